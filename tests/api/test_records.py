"""Records through HTTP: create, update, end; user errors name the field; nothing
is written when an error is returned; stale versions are a CONFLICT."""

from __future__ import annotations

from api.db.database import connection
from api.db.models import AuditEntry, Worker

from .conftest import CREATE_COMMUNITY, CREATE_WORKER, City, GraphQLClient

UPDATE_WORKER = """
mutation($input: UpdateWorkerInput!) {
  updateWorker(input: $input) {
    worker { id code name version post serviceEnd idNumber birthDate sex specialDeductionMonthly }
    errors { field code message }
  }
}"""
VALID_ID = "11010519491231002X"  # checksum X


def base_worker(community_id: str, **extra) -> dict:
    return {"code": "N001", "name": "新人", "communityId": community_id, "post": "STAFF",
            "serviceStart": "2026-05-01", **extra}


def count_workers() -> int:
    with connection():
        return Worker.select().count()


def test_create_worker_derives_birth_date_and_sex(gql: GraphQLClient, city: City):
    payload = gql.mutate(
        """mutation($input: CreateWorkerInput!) { createWorker(input: $input) {
             worker { code idNumber birthDate sex post education certificate specialDeductionMonthly previousMonthlyPay
                      community { code street { code } } version }
             errors { field code message } } }""",
        {"input": base_worker(city.communities["C01"], idNumber=VALID_ID, education="BACHELOR",
                              specialDeductionMonthly="1500.00", previousMonthlyPay="4200.50")},
    )
    worker = payload["worker"]
    assert worker == {
        "code": "N001", "idNumber": VALID_ID, "birthDate": "1949-12-31", "sex": "F", "post": "STAFF",
        "education": "BACHELOR", "certificate": "NONE", "specialDeductionMonthly": "1500.00",
        "previousMonthlyPay": "4200.50", "community": {"code": "C01", "street": {"code": "S1"}}, "version": 1,
    }


def test_bad_id_number_is_refused_with_its_checksum(gql, city):
    before = count_workers()
    payload = gql.data(CREATE_WORKER, {"input": base_worker(city.communities["C01"], idNumber="110105194912310020")})
    assert payload["createWorker"]["worker"] is None
    assert payload["createWorker"]["errors"] == [{
        "field": "idNumber", "code": "INVALID",
        "message": "工作者 N001：idNumber：“110105194912310020”校验位不符：最后一位应为 X，而不是 0 / worker N001: idNumber: "
                   "'110105194912310020' fails its checksum: the last character should be X, not 0",
    }]
    assert count_workers() == before


def test_end_before_start_and_other_field_errors_are_all_listed(gql, city):
    before = count_workers()
    payload = gql.data(CREATE_WORKER, {"input": base_worker(
        city.communities["C01"], serviceEnd="2026-04-30", post="BOSS", certificate="SOCIAL_WORKER")})
    errors = payload["createWorker"]["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {("post", "INVALID"), ("serviceEnd", "INVALID"),
                                                         ("certificateDate", "INVALID")}
    messages = {e["field"]: e["message"] for e in errors}
    assert messages["serviceEnd"] == ("工作者 N001：serviceEnd：2026-04-30 早于 serviceStart 2026-05-01 / worker N001: "
                                      "serviceEnd: 2026-04-30 is before serviceStart 2026-05-01")
    assert messages["post"] == ("工作者 N001：post：“BOSS”不是政策中的岗位（可填 CHIEF、DEPUTY、STAFF 或岗位名称，如 正职、副职） "
                                "/ worker N001: post: 'BOSS' is not a post of the policy (CHIEF, DEPUTY, STAFF, or a "
                                "post's title)")
    assert messages["certificateDate"] == ("工作者 N001：certificateDate：有证书 SOCIAL_WORKER 时必填 / worker N001: "
                                           "certificateDate: is required for certificate SOCIAL_WORKER")
    assert count_workers() == before


def test_unknown_community_and_wrong_id_type(gql, city):
    payload = gql.data(CREATE_WORKER, {"input": base_worker("Community:999")})
    assert payload["createWorker"]["errors"] == [{"field": "communityId", "code": "NOT_FOUND",
                                                  "message": "communityId：社区 999 不存在 / communityId: community 999 does not exist"}]
    payload = gql.data(CREATE_WORKER, {"input": base_worker(city.streets["S1"])})
    assert payload["createWorker"]["errors"] == [{"field": "communityId", "code": "INVALID", "message":
                                                  "communityId：'Street:1' 不是Community的编号（应为 Community:<数字>）/ "
                                                  "communityId: 'Street:1' is not the id of a Community "
                                                  "(expected Community:<number>)"}]


def test_duplicate_code_and_identity_number(gql, city):
    gql.mutate(CREATE_WORKER, {"input": base_worker(city.communities["C01"], idNumber=VALID_ID)})
    again = gql.data(CREATE_WORKER, {"input": base_worker(city.communities["C01"])})["createWorker"]
    assert again["errors"] == [{"field": "code", "code": "DUPLICATE", "message": "code：'N001' 已存在 / code: worker 'N001' already exists"}]
    other = gql.data(CREATE_WORKER, {"input": base_worker(city.communities["C01"], code="N002", idNumber=VALID_ID)})
    assert other["createWorker"]["errors"][0]["code"] == "DUPLICATE"


def test_money_must_be_a_decimal_string(gql, city):
    body = gql.post(CREATE_WORKER, {"input": base_worker(city.communities["C01"], specialDeductionMonthly=1500.5)})
    assert "Money is a decimal string of yuan" in body["errors"][0]["message"]
    body = gql.post(CREATE_WORKER, {"input": base_worker(city.communities["C01"], specialDeductionMonthly="1500.555")})
    assert "is not an amount of yuan with at most two decimals" in body["errors"][0]["message"]


def test_update_only_changes_what_is_given_and_bumps_the_version(gql, city):
    payload = gql.mutate(UPDATE_WORKER, {"input": {"id": city.workers["W003"], "version": 1, "name": "王芳芳"}})
    worker = payload["worker"]
    assert (worker["name"], worker["version"], worker["post"]) == ("王芳芳", 2, "STAFF")
    assert worker["specialDeductionMonthly"] == "1500.00"


def test_stale_version_is_a_conflict_and_changes_nothing(gql, city):
    gql.mutate(UPDATE_WORKER, {"input": {"id": city.workers["W003"], "version": 1, "name": "甲"}})
    stale = gql.data(UPDATE_WORKER, {"input": {"id": city.workers["W003"], "version": 1, "name": "乙"}})["updateWorker"]
    assert stale["worker"] is None
    assert stale["errors"] == [{"field": "version", "code": "CONFLICT", "message":
                                "工作者 W003 已被他人修改（现为第 2 版，提交的是第 1 版），请重新读取后再改 / worker W003 was changed by someone else (now version 2, you sent 1); "
                                "reload it and try again"}]
    assert gql.data('{ worker(code: "W003") { name version } }')["worker"] == {"name": "甲", "version": 2}


def test_end_worker_service_and_audit(gql, city):
    payload = gql.mutate(
        """mutation($input: EndWorkerServiceInput!) { endWorkerService(input: $input) {
             worker { code serviceEnd version } errors { field code message } } }""",
        {"input": {"id": city.workers["W002"], "version": 1, "serviceEnd": "2026-11-30"}},
    )
    assert payload["worker"] == {"code": "W002", "serviceEnd": "2026-11-30", "version": 2}
    log = gql.data("""{ auditLog(first: 5, where: {recordType: "Worker", operation: "updateWorker"}) {
        nodes { actor role operation recordType before after requestId } } }""")["auditLog"]["nodes"]
    entry = log[0]
    assert (entry["actor"], entry["role"], entry["operation"]) == ("admin", "ADMIN", "updateWorker")
    assert entry["before"]["service_end"] is None and entry["after"]["service_end"] == "2026-11-30"
    assert entry["after"]["version"] == 2 and entry["requestId"]


def test_an_error_writes_no_audit_entry(gql, city):
    with connection():
        before = AuditEntry.select().count()
    gql.data(CREATE_WORKER, {"input": base_worker(city.communities["C01"], post="BOSS")})
    with connection():
        assert AuditEntry.select().count() == before


def test_streets_communities_and_positions(gql, city):
    street = gql.mutate("""mutation { createStreet(input: {code: "S9", name: "新街道"}) {
        street { id code name version } errors { field code message } } }""")["street"]
    assert street["code"] == "S9"
    community = gql.mutate(CREATE_COMMUNITY, {"input": {"code": "C09", "name": "新社区", "streetId": street["id"],
                                                        "households": 1000, "population": 3000}})["community"]
    moved = gql.mutate("""mutation($input: UpdateCommunityInput!) { updateCommunity(input: $input) {
        community { code households version street { code } } errors { field code message } } }""",
                       {"input": {"id": community["id"], "version": 1, "households": 1200,
                                  "streetId": city.streets["S2"]}})["community"]
    assert moved == {"code": "C09", "households": 1200, "version": 2, "street": {"code": "S2"}}
    bad = gql.data(CREATE_COMMUNITY, {"input": {"code": "C10", "name": "x", "streetId": street["id"],
                                                "households": -5}})["createCommunity"]
    assert bad["errors"] == [{"field": "households", "code": "INVALID",
                              "message": "households：应为 0 至 100000000 的整数 / households must be a whole number from 0 to 100000000"}]
    # Positions: a deputy appointed chief as well is paid for the higher post (一肩挑).
    position = gql.mutate("""mutation($input: CreatePositionInput!) { createPosition(input: $input) {
        position { id post title worker { code post } } errors { field code message } } }""",
                          {"input": {"communityId": city.communities["C01"], "post": "CHIEF", "title": "居委会主任",
                                     "workerId": city.workers["W002"]}})["position"]
    assert position["worker"] == {"code": "W002", "post": "CHIEF"}
    vacant = gql.mutate("""mutation($input: UpdatePositionInput!) { updatePosition(input: $input) {
        position { worker { code } version } errors { field code message } } }""",
                        {"input": {"id": position["id"], "version": 1, "workerId": None}})["position"]
    assert vacant == {"worker": None, "version": 2}
    wrong = gql.data("""mutation($input: CreatePositionInput!) { createPosition(input: $input) {
        position { id } errors { field code message } } }""",
                     {"input": {"communityId": city.communities["C03"], "post": "STAFF", "title": "网格员",
                                "workerId": city.workers["W002"]}})["createPosition"]
    assert wrong["errors"] == [{"field": "workerId", "code": "INVALID", "message": "workerId：工作者 W002 属于其他社区 / workerId: worker W002 belongs to another community"}]


def test_record_assessments_errors(gql, city):
    payload = gql.data("""mutation { recordAssessments(input: {year: 2026, entries: [
        {workerId: "Worker:1", result: EXCELLENT}, {workerId: "Worker:999", result: BASIC}]}) {
        recorded errors { field code message } } }""")["recordAssessments"]
    assert payload == {"recorded": 0, "errors": [{"field": "entries[1].workerId", "code": "NOT_FOUND",
                                                  "message": "entries[1].workerId：工作者 999 不存在 / entries[1].workerId: worker 999 does not exist"}]}
    ok = gql.mutate("""mutation { recordAssessments(input: {year: 2027, entries: [{workerId: "Worker:1", result: BASIC}]}) {
        recorded errors { field code message } } }""")
    assert ok["recorded"] == 1
    assessments = gql.data('{ worker(code: "W001") { assessments { year result } } }')["worker"]["assessments"]
    assert assessments == [{"year": 2026, "result": "EXCELLENT"}, {"year": 2027, "result": "BASIC"}]


def test_posts_are_accepted_by_their_titles_as_in_imports(gql: GraphQLClient, city: City):
    """Issue 13: 副职 was accepted in an import and refused in GraphQL. Every
    string input and filter that names a post takes the policy's titles too."""
    payload = gql.mutate(CREATE_WORKER, {"input": base_worker(city.communities["C01"], post="副职")})
    assert payload["errors"] == []
    worker = gql.data('{ workers(where: {post: "副职", code: "N001"}) { nodes { id code post } } }')["workers"]["nodes"]
    assert [(w["code"], w["post"]) for w in worker] == [("N001", "DEPUTY")]
    assert gql.data('{ workers(where: {post: "DEPUTY", code: "N001"}) { totalCount } }')["workers"]["totalCount"] == 1
    updated = gql.mutate(UPDATE_WORKER, {"input": {"id": worker[0]["id"], "version": 1, "post": " 书记 "}})
    assert updated["errors"] == [] and updated["worker"]["post"] == "CHIEF"
    position = gql.mutate("""mutation($input: CreatePositionInput!) { createPosition(input: $input) {
                               position { post title } errors { message } } }""",
                          {"input": {"communityId": city.communities["C01"], "post": "副主任", "title": "居委会副主任"}})
    assert position == {"position": {"post": "DEPUTY", "title": "居委会副主任"}, "errors": []}
    vacant = gql.data('{ positions(where: {post: "副职", vacant: true}) { nodes { title } } }')["positions"]["nodes"]
    assert {"title": "居委会副主任"} in vacant
    quote = gql.data('{ salaryQuote(input: {period: "2026-11", post: "其他社区工作者", serviceStart: "2026-01-01", '
                     'education: BACHELOR}) { post grade } }')["salaryQuote"]
    assert quote == {"post": "STAFF", "grade": 2}
