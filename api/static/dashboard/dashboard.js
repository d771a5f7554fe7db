/*
 * 社区工作者薪酬 · 示例看板 / Example dashboard.
 *
 * Plain JavaScript, no build step and no libraries: everything goes through
 * the public GraphQL API at /graphql, the same one any other frontend uses.
 * Money arrives as decimal strings of yuan ("3520.48"); it is shown as given
 * (with thousands separators) and summed as integer fen, never as floats.
 * Floats are only used for the geometry of the chart.
 */
"use strict";

(function () {
  const ENDPOINT = "/graphql";
  const TOKEN_KEY = "communityPayroll.dashboardToken";
  const TIMEOUT_MS = 20000;
  const SVG_NS = "http://www.w3.org/2000/svg";

  const QUERIES = {
    viewer: `query DashboardViewer {
  me { name role jurisdictionCodes streetCodes communityCodes }
}`,
    postTitles: `query DashboardPostTitles {
  policy { versions { effectiveFrom posts { key title } } }
}`,
    // The latest month with payslips this token may see (an HR token sees its
    // street's payslips of city-wide runs too).
    latestPeriod: `query DashboardLatestPeriod {
  payrollPeriods(first: 1)
}`,
    costByStreet: `query DashboardCostByStreet($period: Period!) {
  payrollTotals(period: $period, groupBy: STREET) {
    street { code name }
    payslipCount
    gross
    net
    employerCost
  }
}`,
    staffing: `query DashboardStaffing($date: Date!) {
  staffing(date: $date) {
    date
    rows {
      community { code name street { name } }
      required
      chiefActual
      deputyActual
      staffActual
      gap
      grids
      residentsPerWorker
    }
    totals { required actual gap shortage communitiesShort }
  }
}`,
    // The province section: shown only when the token sees several jurisdictions.
    jurisdictions: `query DashboardJurisdictions {
  jurisdictions { code name level }
}`,
    costByJurisdiction: `query DashboardCostByJurisdiction($year: Int!) {
  payrollCostByJurisdiction(year: $year) {
    jurisdiction { code name }
    period
    runs
    draftRuns
    payslipCount
    gross
    net
    employerCost
  }
}`,
    jurisdictionStaffing: `query DashboardJurisdictionStaffing($date: Date!) {
  jurisdictionStaffing(date: $date) {
    jurisdiction { code name level parent { name } }
    population
    requiredByStandard
    requiredByCommunities
    required
    actual
    gap
  }
}`,
    searchWorkers: `query DashboardSearchWorkers($search: String!) {
  workers(first: 20, where: {search: $search}) {
    totalCount
    nodes { id code name post serviceEnd community { name street { name } } }
  }
}`,
    workerPayslips: `query DashboardWorkerPayslips($id: ID!) {
  worker(id: $id) {
    id
    code
    name
    payslips(first: 12) {
      totalCount
      nodes {
        id
        period
        post
        grade
        days
        gross
        net
        incomeTax
        employerCost
        payrollRun { status }
        explanation { item labelZh rule calculation value }
      }
    }
  }
}`,
  };

  const METRICS = {
    employerCost: "单位用人成本",
    gross: "应发工资",
    net: "实发工资",
  };
  const METRICS_EN = { employerCost: "employer cost", gross: "gross pay", net: "net pay" };
  const ROLES = { ADMIN: "管理员", HR: "人事", FINANCE: "财务", VIEWER: "只读", PROVINCE: "省级 / Province" };
  const LEVELS = { CITY: "市 / City", COUNTY: "县 / County", DISTRICT: "区 / District" };
  // Colours of the jurisdictions in the province chart (dashboard.css: .series-0 …); they repeat after these.
  const SERIES_COLOURS = 8;
  const RUN_STATUS = { DRAFT: "草稿", APPROVED: "已审核", PAID: "已发放" };
  // Used until (or when) the active policy's own post titles are unavailable.
  const POST_TITLES = { CHIEF: "正职", DEPUTY: "副职", STAFF: "其他社区工作者" };

  const state = {
    token: "",
    postTitles: Object.assign({}, POST_TITLES),
    cost: { seq: 0, period: "", totals: [] },
    staffing: { seq: 0, report: null },
    province: { seq: 0, costSeq: 0, staffingSeq: 0, year: 0, costs: [], staffing: null },
    search: { seq: 0 },
    payslips: { seq: 0 },
  };

  // ---------------------------------------------------------------- helpers

  const $ = (id) => document.getElementById(id);

  /** An HTML element; children are nodes or strings (set as text, never as HTML). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.setAttribute("class", value);
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
  }

  function append(el, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  /** "3520.48" → 352048 (integer fen). */
  function toFen(text) {
    const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(text).trim());
    if (!match) return 0;
    const fen = Number(match[2]) * 100 + Number((match[3] || "").padEnd(2, "0"));
    return match[1] ? -fen : fen;
  }

  /** "1234567" → "1,234,567". */
  function groupDigits(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  /** 352048 → "3,520.48". */
  function formatFen(fen) {
    const sign = fen < 0 ? "-" : "";
    const abs = Math.abs(fen);
    return `${sign}${groupDigits(String(Math.floor(abs / 100)))}.${String(abs % 100).padStart(2, "0")}`;
  }

  /** 143519 → "143,519" (head counts). */
  const formatCount = (n) => (n < 0 ? "-" : "") + groupDigits(String(Math.abs(n)));

  const money = (text) => formatFen(toFen(text));

  /** Axis labels: yuan, or 万 (10 000 yuan) for large amounts. */
  function shortYuan(fen) {
    const yuan = fen / 100;
    if (Math.abs(yuan) >= 10000) {
      const wan = yuan / 10000;
      return `${Number.isInteger(wan) ? wan : wan.toFixed(1)}万`;
    }
    return String(Math.round(yuan));
  }

  function pad2(n) {
    return String(n).padStart(2, "0");
  }

  function today() {
    const d = new Date();
    return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  }

  function shiftMonth(period, delta) {
    const [y, m] = period.split("-").map(Number);
    const index = y * 12 + (m - 1) + delta;
    return `${Math.floor(index / 12)}-${pad2((index % 12) + 1)}`;
  }

  const validPeriod = (value) => /^\d{4}-(0[1-9]|1[0-2])$/.test(value);

  function postTitle(key) {
    return state.postTitles[key] || key;
  }

  // ---------------------------------------------------------------- the API

  class ApiError extends Error {
    constructor(code, message, detail) {
      super(message);
      this.code = code;
      this.detail = detail || "";
    }
  }

  const ERROR_MESSAGES = {
    UNAUTHENTICATED: "身份验证失败：缺少令牌，或令牌无效、已过期、已吊销。请在页面顶部填写有效的访问令牌，再点“保存并刷新”。",
    FORBIDDEN: "权限不足：当前令牌无权查看这些数据，请换用有相应权限的令牌。",
    LIMIT_EXCEEDED: "请求超出服务器限制（查询过大或过于频繁），请稍后再试或缩小范围。",
    BAD_USER_INPUT: "输入有误，请检查后重试。",
    NETWORK: "网络错误：无法连接到服务器。请检查网络连接，或确认服务正在运行。",
    TIMEOUT: "请求超时：服务器长时间没有响应，请稍后重试。",
  };

  /** POST a query to /graphql; resolves to `data`, rejects with an ApiError. */
  async function graphql(query, variables) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response;
    let body = null;
    try {
      response = await fetch(ENDPOINT, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables: variables || {} }),
        credentials: "same-origin",
        signal: controller.signal,
      });
      try {
        body = await response.json();
      } catch (_) {
        body = null; // not JSON: a proxy's error page, say; reported by status below
      }
    } catch (err) {
      const code = err && err.name === "AbortError" ? "TIMEOUT" : "NETWORK";
      throw new ApiError(code, ERROR_MESSAGES[code], err && err.message);
    } finally {
      clearTimeout(timer);
    }
    if (body && Array.isArray(body.errors) && body.errors.length > 0) {
      const codes = body.errors.map((e) => (e.extensions && e.extensions.code) || "");
      // The most telling code first: authentication, then permission.
      const code = ["UNAUTHENTICATED", "FORBIDDEN", "LIMIT_EXCEEDED", "BAD_USER_INPUT"].find((c) => codes.includes(c))
        || codes[0] || "GRAPHQL";
      const detail = body.errors.map((e) => e.message).join("；");
      throw new ApiError(code, ERROR_MESSAGES[code] || "查询出错，请稍后重试。", detail);
    }
    if (!response.ok || !body || !body.data) {
      throw new ApiError("HTTP", `服务器返回错误（HTTP ${response.status}），请稍后重试。`, response.statusText);
    }
    return body.data;
  }

  // ---------------------------------------------------------------- messages

  function showError(el, err) {
    el.replaceChildren(
      h("strong", null, err instanceof ApiError ? err.message : "页面出错，请刷新后重试。"),
      err && (err.detail || !(err instanceof ApiError))
        ? h("span", { class: "detail" }, `详细信息：${err.detail || err.message}`)
        : null,
    );
    el.dataset.code = err instanceof ApiError ? err.code : "CLIENT";
    el.hidden = false;
  }

  function clearError(el) {
    el.hidden = true;
    el.replaceChildren();
    delete el.dataset.code;
  }

  function setStatus(id, text) {
    $(id).textContent = text || "";
  }

  function setBusy(section, busy) {
    $(section).setAttribute("aria-busy", busy ? "true" : "false");
  }

  // ---------------------------------------------------------------- token and identity

  function readStoredToken() {
    try {
      return window.localStorage.getItem(TOKEN_KEY) || "";
    } catch (_) {
      return ""; // storage disabled: the token lives only as long as the page
    }
  }

  function storeToken(token) {
    try {
      if (token) window.localStorage.setItem(TOKEN_KEY, token);
      else window.localStorage.removeItem(TOKEN_KEY);
    } catch (_) {
      /* storage disabled: keep the token in memory only */
    }
  }

  async function loadIdentity() {
    const data = await graphql(QUERIES.viewer);
    const me = data.me;
    const scope = [...me.jurisdictionCodes, ...me.streetCodes, ...me.communityCodes];
    $("identity").textContent =
      `当前身份：${me.name}（${ROLES[me.role] || me.role}）` +
      (scope.length ? `，范围：${scope.join("、")}` : "") +
      (state.token ? "" : " · 未填令牌（开发模式）");
  }

  /** Post titles from the active policy; the built-in names when unavailable. */
  async function loadPostTitles() {
    try {
      const data = await graphql(QUERIES.postTitles);
      const versions = (data.policy && data.policy.versions) || [];
      const latest = versions.reduce((a, b) => (!a || b.effectiveFrom > a.effectiveFrom ? b : a), null);
      if (latest) for (const post of latest.posts) state.postTitles[post.key] = post.title;
    } catch (_) {
      /* labels only: keep the built-in titles */
    }
  }

  /** Forget what the previous token was shown: search results and payslips. */
  function clearWorkers() {
    state.search.seq += 1;
    state.payslips.seq += 1;
    $("search-results").replaceChildren();
    clearError($("search-error"));
    $("payslips").hidden = true;
    $("payslips-list").replaceChildren();
  }

  async function loadAll() {
    const globalError = $("global-error");
    clearError(globalError);
    clearWorkers();
    $("identity").textContent = "正在验证令牌…";
    try {
      await loadIdentity();
    } catch (err) {
      $("identity").textContent = "";
      showError(globalError, err);
      const waiting = "未加载：请先处理页面顶部的提示。";
      for (const id of ["cost-status", "staffing-status", "search-status"]) setStatus(id, waiting);
      clearCost();
      clearStaffing();
      hideProvince();
      return;
    }
    setStatus("search-status", "");
    await loadPostTitles();
    await Promise.all([loadProvince(), loadLatestCost(), loadStaffing()]);
  }

  // ---------------------------------------------------------------- cost by street

  function clearCost() {
    state.cost.totals = [];
    $("cost-chart").replaceChildren();
    $("cost-summary").textContent = "";
    $("cost-details").hidden = true;
  }

  async function loadLatestCost() {
    const seq = ++state.cost.seq;
    setBusy("cost", true);
    setStatus("cost-status", "正在查找最近的发放月份…");
    clearError($("cost-error"));
    let period;
    try {
      const data = await graphql(QUERIES.latestPeriod);
      period = data.payrollPeriods.length ? data.payrollPeriods[0] : "";
    } catch (err) {
      if (seq !== state.cost.seq) return;
      setBusy("cost", false);
      setStatus("cost-status", "");
      clearCost();
      showError($("cost-error"), err);
      return;
    }
    if (seq !== state.cost.seq) return;
    if (!period) {
      $("cost-month").value = today().slice(0, 7);
      setBusy("cost", false);
      clearCost();
      setStatus("cost-status", "");
      $("cost-summary").textContent = "尚无发放批次：创建并计算某月工资（createPayrollRun）后，这里会显示各街道的工资成本。";
      return;
    }
    $("cost-month").value = period;
    await loadCost(period);
  }

  async function loadCost(period) {
    const seq = ++state.cost.seq;
    setBusy("cost", true);
    setStatus("cost-status", `正在加载 ${period} 的工资汇总…`);
    clearError($("cost-error"));
    try {
      const data = await graphql(QUERIES.costByStreet, { period });
      if (seq !== state.cost.seq) return;
      state.cost.period = period;
      state.cost.totals = data.payrollTotals;
      setStatus("cost-status", "");
      renderCost();
    } catch (err) {
      if (seq !== state.cost.seq) return;
      setStatus("cost-status", "");
      clearCost();
      showError($("cost-error"), err);
    } finally {
      if (seq === state.cost.seq) setBusy("cost", false);
    }
  }

  function renderCost() {
    const { period, totals } = state.cost;
    const metric = $("cost-metric").value;
    const chart = $("cost-chart");
    if (!totals.length) {
      clearCost();
      $("cost-summary").textContent = `${period} 没有工资数据（该月尚无发放批次，或不在当前令牌的范围内）。`;
      return;
    }
    const payslips = totals.reduce((sum, t) => sum + t.payslipCount, 0);
    const total = totals.reduce((sum, t) => sum + toFen(t[metric]), 0);
    $("cost-summary").textContent =
      `${period} · ${totals.length} 个街道 · ${payslips} 张工资条 · ${METRICS[metric]}合计 ${formatFen(total)} 元`;
    chart.replaceChildren(drawBarChart(
      totals.map((t) => ({ label: t.street.name, fen: toFen(t[metric]), text: money(t[metric]) })),
      `${period} 各街道${METRICS[metric]}（元）`,
      chart.clientWidth || 600,
    ));
    const body = $("cost-table").tBodies[0];
    body.replaceChildren(...totals.map((t) => h("tr", null,
      h("th", { scope: "row" }, t.street.name),
      h("td", { class: "num" }, String(t.payslipCount)),
      h("td", { class: "num" }, money(t.gross)),
      h("td", { class: "num" }, money(t.net)),
      h("td", { class: "num" }, money(t.employerCost)),
    )));
    $("cost-details").hidden = false;
  }

  /** A step of 1, 2 or 5 × 10^n giving about `count` intervals up to `max`. */
  function niceStep(max, count) {
    const raw = max / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((f) => f * power).find((candidate) => candidate >= raw);
    return step || power * 10;
  }

  /** A horizontal bar chart as SVG, `width` pixels wide. */
  function drawBarChart(bars, title, width) {
    const rowHeight = 34;
    const barHeight = 22;
    const top = 8;
    const axisHeight = 26;
    const fontPx = width < 480 ? 12 : 14;
    const labelWidth = Math.min(width * 0.35, Math.max(48, ...bars.map((b) => b.label.length * fontPx + 10)));
    const valueWidth = Math.max(...bars.map((b) => b.text.length)) * fontPx * 0.62 + 10;
    const plotWidth = Math.max(40, width - labelWidth - valueWidth - 4);
    const height = top + bars.length * rowHeight + axisHeight;
    const max = Math.max(1, ...bars.map((b) => b.fen));
    const step = niceStep(max, width < 480 ? 2 : 4);
    const axisMax = Math.ceil(max / step) * step;
    const x = (fen) => labelWidth + (Math.max(0, fen) / axisMax) * plotWidth;

    const titleId = `chart-title-${Date.now()}`;
    const svg = s("svg", {
      width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": titleId,
      class: "bar-chart", "font-size": fontPx,
    });
    svg.append(s("title", { id: titleId },
      `${title}：` + bars.map((b) => `${b.label} ${b.text} 元`).join("；")));

    for (let tick = 0; tick <= axisMax; tick += step) {
      const tx = x(tick);
      svg.append(
        s("line", { x1: tx, x2: tx, y1: top - 4, y2: top + bars.length * rowHeight, class: "grid" }),
        s("text", { x: tx, y: height - 8, "text-anchor": "middle", class: "tick" }, shortYuan(tick)),
      );
    }
    bars.forEach((bar, i) => {
      const y = top + i * rowHeight + (rowHeight - barHeight) / 2;
      const end = x(bar.fen);
      svg.append(s("g", { class: "bar" },
        s("title", null, `${bar.label}：${bar.text} 元`),
        s("text", {
          x: labelWidth - 8, y: y + barHeight / 2, "text-anchor": "end", "dominant-baseline": "central", class: "label",
        }, bar.label),
        s("rect", { x: labelWidth, y, width: Math.max(1, end - labelWidth), height: barHeight, rx: 3 }),
        s("text", { x: end + 6, y: y + barHeight / 2, "dominant-baseline": "central", class: "value" }, bar.text),
      ));
    });
    return svg;
  }

  // ---------------------------------------------------------------- staffing

  function clearStaffing() {
    state.staffing.report = null;
    $("staffing-totals").hidden = true;
    $("staffing-legend").hidden = true;
    $("staffing-scroll").hidden = true;
    $("staffing-table").tBodies[0].replaceChildren();
  }

  async function loadStaffing() {
    const date = $("staffing-date").value || today();
    const seq = ++state.staffing.seq;
    setBusy("staffing", true);
    setStatus("staffing-status", `正在加载 ${date} 的职数测算…`);
    clearError($("staffing-error"));
    try {
      const data = await graphql(QUERIES.staffing, { date });
      if (seq !== state.staffing.seq) return;
      state.staffing.report = data.staffing;
      setStatus("staffing-status", "");
      renderStaffing();
    } catch (err) {
      if (seq !== state.staffing.seq) return;
      setStatus("staffing-status", "");
      clearStaffing();
      showError($("staffing-error"), err);
    } finally {
      if (seq === state.staffing.seq) setBusy("staffing", false);
    }
  }

  function gapClass(gap) {
    if (gap >= 3) return "gap-short-3";
    if (gap > 0) return "gap-short-1";
    if (gap === 0) return "gap-even";
    return "gap-over";
  }

  /** "缺 3"; with `english`, "缺 3 / short 3". */
  function gapText(gap, english) {
    if (gap > 0) return english ? `缺 ${gap} / short ${gap}` : `缺 ${gap}`;
    if (gap < 0) return english ? `超 ${-gap} / over ${-gap}` : `超 ${-gap}`;
    return english ? "持平 / even" : "持平";
  }

  function renderStaffing() {
    const report = state.staffing.report;
    if (!report) return;
    const t = report.totals;
    const totals = $("staffing-totals");
    const item = (label, value) => [h("dt", null, label), h("dd", null, value)];
    totals.replaceChildren(
      h("div", null, item("应配职数", String(t.required))),
      h("div", null, item("实有人数", String(t.actual))),
      h("div", { class: "short" }, item("缺员合计", `${t.shortage} 人`)),
      h("div", { class: "short" }, item("缺员社区", `${t.communitiesShort} 个`)),
      h("div", null, item("净缺口", gapText(t.gap))),
    );
    totals.hidden = false;

    const shortOnly = $("staffing-short-only").checked;
    const rows = report.rows
      .filter((row) => !shortOnly || row.gap > 0)
      .sort((a, b) => b.gap - a.gap || a.community.code.localeCompare(b.community.code));
    const body = $("staffing-table").tBodies[0];
    if (!report.rows.length || !rows.length) {
      body.replaceChildren();
      $("staffing-scroll").hidden = true;
      $("staffing-legend").hidden = true;
      setStatus("staffing-status", report.rows.length
        ? `${report.date} 没有缺员社区。`
        : `${report.date} 没有社区数据（尚未录入社区，或不在当前令牌的范围内）。`);
      return;
    }
    body.replaceChildren(...rows.map((row) => {
      const actual = row.chiefActual + row.deputyActual + row.staffActual;
      return h("tr", { class: gapClass(row.gap) },
        h("th", { scope: "row" }, row.community.name, h("span", { class: "code" }, row.community.code)),
        h("td", null, row.community.street.name),
        h("td", { class: "num" }, String(row.required)),
        h("td", { class: "num" }, String(row.chiefActual)),
        h("td", { class: "num" }, String(row.deputyActual)),
        h("td", { class: "num" }, String(row.staffActual)),
        h("td", { class: "num" }, String(actual)),
        h("td", { class: "num gap" }, h("span", { class: `chip ${gapClass(row.gap)}` }, gapText(row.gap))),
        h("td", { class: "num" }, row.grids === null ? "—" : String(row.grids)),
        h("td", { class: "num" }, row.residentsPerWorker === null ? "—" : row.residentsPerWorker),
      );
    }));
    $("staffing-scroll").hidden = false;
    $("staffing-legend").hidden = false;
    setStatus("staffing-status", `${report.date}：显示 ${rows.length} / ${report.rows.length} 个社区，按缺口从大到小排列。`);
  }

  // ---------------------------------------------------------------- cost and staffing by jurisdiction

  function hideProvince() {
    state.province.seq += 1;
    state.province.costSeq += 1;
    state.province.staffingSeq += 1;
    setBusy("province", false); // a load cut short no longer clears it
    $("province").hidden = true;
    clearProvinceCost();
    clearProvinceStaffing();
  }

  function clearProvinceCost() {
    state.province.costs = [];
    $("province-chart").replaceChildren();
    $("province-legend").replaceChildren();
    $("province-summary").textContent = "";
    $("province-details").hidden = true;
  }

  function clearProvinceStaffing() {
    state.province.staffing = null;
    $("province-staffing-scroll").hidden = true;
    $("province-staffing-table").tBodies[0].replaceChildren();
    setStatus("province-staffing-status", "");
  }

  /** The section appears only when the token sees more than one jurisdiction:
   * a one-city installation (or a city's own token) looks as before. */
  async function loadProvince() {
    const seq = ++state.province.seq;
    clearError($("province-error"));
    let jurisdictions;
    let latest;
    try {
      [jurisdictions, latest] = await Promise.all([
        graphql(QUERIES.jurisdictions).then((data) => data.jurisdictions),
        graphql(QUERIES.latestPeriod).then((data) => data.payrollPeriods[0] || ""),
      ]);
    } catch (err) {
      if (seq !== state.province.seq) return;
      // Unknown whether there are several: say so in the section rather than hide a failure.
      $("province").hidden = false;
      clearProvinceCost();
      clearProvinceStaffing();
      showError($("province-error"), err);
      return;
    }
    if (seq !== state.province.seq) return;
    if (jurisdictions.length <= 1) {
      hideProvince();
      return;
    }
    $("province").hidden = false;
    const year = $("province-year");
    if (!validYear(year.value)) year.value = (latest || today()).slice(0, 4);
    await Promise.all([loadProvinceCost(Number(year.value)), loadProvinceStaffing($("province-date").value || today())]);
  }

  const validYear = (value) => /^\d{4}$/.test(String(value)) && Number(value) >= 1990 && Number(value) <= 2100;

  async function loadProvinceCost(year) {
    const seq = ++state.province.costSeq;
    setBusy("province", true);
    setStatus("province-status", `正在加载 ${year} 年各辖区工资… / Loading ${year}'s payroll by jurisdiction…`);
    clearError($("province-error"));
    try {
      const data = await graphql(QUERIES.costByJurisdiction, { year });
      if (seq !== state.province.costSeq) return;
      state.province.year = year;
      state.province.costs = data.payrollCostByJurisdiction;
      setStatus("province-status", "");
      renderProvinceCost();
    } catch (err) {
      if (seq !== state.province.costSeq) return;
      setStatus("province-status", "");
      clearProvinceCost();
      showError($("province-error"), err);
    } finally {
      if (seq === state.province.costSeq) setBusy("province", false);
    }
  }

  /** The year's twelve months, "2026-01" … "2026-12". */
  function monthsOf(year) {
    return Array.from({ length: 12 }, (_, i) => `${year}-${pad2(i + 1)}`);
  }

  /** The cost rows as one series per jurisdiction (in the API's order: by code), fen by month. */
  function costSeries(costs, metric) {
    const byCode = new Map();
    for (const row of costs) {
      const code = row.jurisdiction ? row.jurisdiction.code : "";
      if (!byCode.has(code)) {
        byCode.set(code, {
          code,
          name: row.jurisdiction ? row.jurisdiction.name : "（范围外）/ (outside the scope)",
          index: byCode.size,
          fen: new Map(),
        });
      }
      const series = byCode.get(code);
      series.fen.set(row.period, (series.fen.get(row.period) || 0) + toFen(row[metric]));
    }
    return [...byCode.values()];
  }

  function renderProvinceCost() {
    const { year, costs } = state.province;
    const metric = $("province-metric").value;
    if (!costs.length) {
      clearProvinceCost();
      $("province-summary").textContent =
        `${year} 年没有工资数据（尚无发放批次，或不在当前令牌的范围内）/ No payroll in ${year} (no runs yet, or none in this token's scope).`;
      return;
    }
    const series = costSeries(costs, metric);
    const months = monthsOf(year);
    const runs = costs.reduce((sum, row) => sum + row.runs, 0);
    const drafts = costs.reduce((sum, row) => sum + row.draftRuns, 0);
    const total = costs.reduce((sum, row) => sum + toFen(row[metric]), 0);
    $("province-summary").textContent =
      `${year} 年 · ${series.length} 个辖区 · ${runs} 个批次${drafts ? `（含草稿 ${drafts} 个）` : ""} · ` +
      `${METRICS[metric]}合计 ${formatFen(total)} 元 / ${year}: ${series.length} jurisdictions, ${runs} runs` +
      `${drafts ? ` (${drafts} drafts)` : ""}, ${METRICS_EN[metric]} ${formatFen(total)} yuan`;
    const chart = $("province-chart");
    chart.replaceChildren(drawStackedChart(series, months,
      `${year} 年各辖区各月${METRICS[metric]}（元）/ ${METRICS_EN[metric]} by jurisdiction and month, ${year} (yuan)`,
      chart.clientWidth || 600));
    $("province-legend").replaceChildren(...series.map((one) => h("li", { "data-code": one.code },
      h("span", { class: `swatch series-${one.index % SERIES_COLOURS}`, "aria-hidden": "true" }),
      one.name, one.code ? h("span", { class: "code" }, one.code) : null,
    )));

    // The table: the months with any payroll, and the year.
    const paid = months.filter((m) => series.some((one) => one.fen.has(m)));
    const table = $("province-cost-table");
    table.tHead.replaceChildren(h("tr", null,
      h("th", { scope: "col" }, "辖区 / Jurisdiction"),
      ...paid.map((m) => h("th", { scope: "col", class: "num" }, `${Number(m.slice(5))}月 / ${m}`)),
      h("th", { scope: "col", class: "num" }, "全年 / Year"),
    ));
    const cell = (fen) => h("td", { class: "num" }, fen === undefined ? "—" : formatFen(fen));
    const sumOf = (values) => values.reduce((sum, fen) => sum + (fen || 0), 0);
    table.tBodies[0].replaceChildren(
      ...series.map((one) => h("tr", { "data-code": one.code },
        h("th", { scope: "row" }, one.name, one.code ? h("span", { class: "code" }, one.code) : null),
        ...paid.map((m) => cell(one.fen.get(m))),
        cell(sumOf([...one.fen.values()])),
      )),
      h("tr", { class: "total" },
        h("th", { scope: "row" }, "合计 / Total"),
        ...paid.map((m) => cell(sumOf(series.map((one) => one.fen.get(m))))),
        cell(total),
      ),
    );
    $("province-details").hidden = false;
  }

  /** Vertical bars, one per month, stacked by jurisdiction, as SVG `width` pixels wide. */
  function drawStackedChart(series, months, title, width) {
    const fontPx = width < 480 ? 11 : 13;
    const top = 10;
    const axisHeight = 24;
    const plotHeight = width < 480 ? 200 : 260;
    const labelWidth = fontPx * 4;
    const plotWidth = Math.max(60, width - labelWidth - 8);
    const height = top + plotHeight + axisHeight;
    const totals = months.map((m) => series.reduce((sum, one) => sum + Math.max(0, one.fen.get(m) || 0), 0));
    const max = Math.max(1, ...totals);
    const step = niceStep(max, 4);
    const axisMax = Math.ceil(max / step) * step;
    const y = (fen) => top + plotHeight - (fen / axisMax) * plotHeight;
    const slot = plotWidth / months.length;
    const barWidth = Math.max(4, slot * 0.62);

    const titleId = `province-chart-title-${Date.now()}`;
    const svg = s("svg", {
      width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": titleId,
      class: "stack-chart", "font-size": fontPx,
    });
    svg.append(s("title", { id: titleId }, `${title}：` + months
      .map((m, i) => (totals[i] ? `${m} ${formatFen(totals[i])} 元` : null)).filter(Boolean).join("；")));
    for (let tick = 0; tick <= axisMax; tick += step) {
      svg.append(
        s("line", { x1: labelWidth, x2: labelWidth + plotWidth, y1: y(tick), y2: y(tick), class: "grid" }),
        s("text", { x: labelWidth - 6, y: y(tick), "text-anchor": "end", "dominant-baseline": "central", class: "tick" },
          shortYuan(tick)),
      );
    }
    months.forEach((month, i) => {
      const x = labelWidth + i * slot + (slot - barWidth) / 2;
      const group = s("g", { class: "month", "data-period": month });
      let base = 0;
      for (const one of series) {
        const fen = Math.max(0, one.fen.get(month) || 0);
        if (!fen) continue;
        group.append(s("rect", {
          x, y: y(base + fen), width: barWidth, height: y(base) - y(base + fen),
          class: `segment series-${one.index % SERIES_COLOURS}`, "data-code": one.code, "data-fen": fen,
        }, s("title", null, `${one.name} ${month}：${formatFen(fen)} 元 / yuan`)));
        base += fen;
      }
      group.append(s("text", { x: x + barWidth / 2, y: height - 6, "text-anchor": "middle", class: "tick" },
        slot < 32 ? String(Number(month.slice(5))) : `${Number(month.slice(5))}月`)); // a phone: the number only
      svg.append(group);
    });
    return svg;
  }

  async function loadProvinceStaffing(date) {
    const seq = ++state.province.staffingSeq;
    setStatus("province-staffing-status", `正在加载 ${date} 的辖区职数… / Loading staffing on ${date}…`);
    clearError($("province-error"));
    try {
      const data = await graphql(QUERIES.jurisdictionStaffing, { date });
      if (seq !== state.province.staffingSeq) return;
      state.province.staffing = { date, rows: data.jurisdictionStaffing };
      renderProvinceStaffing();
    } catch (err) {
      if (seq !== state.province.staffingSeq) return;
      clearProvinceStaffing();
      showError($("province-error"), err);
    }
  }

  function renderProvinceStaffing() {
    const { date, rows } = state.province.staffing;
    const body = $("province-staffing-table").tBodies[0];
    if (!rows.length) {
      body.replaceChildren();
      $("province-staffing-scroll").hidden = true;
      setStatus("province-staffing-status", `${date} 没有社区数据 / No communities on ${date}.`);
      return;
    }
    body.replaceChildren(...rows.map((row) => h("tr", { class: gapClass(row.gap), "data-code": row.jurisdiction.code },
      h("th", { scope: "row" }, row.jurisdiction.name, h("span", { class: "code" }, row.jurisdiction.code)),
      h("td", null, LEVELS[row.jurisdiction.level] || row.jurisdiction.level,
        row.jurisdiction.parent ? h("span", { class: "parent" }, `（${row.jurisdiction.parent.name}）`) : null),
      h("td", { class: "num" }, formatCount(row.population)),
      h("td", { class: "num" }, row.requiredByStandard === null ? "—" : formatCount(row.requiredByStandard)),
      h("td", { class: "num" }, formatCount(row.requiredByCommunities)),
      h("td", { class: "num" }, formatCount(row.required)),
      h("td", { class: "num" }, formatCount(row.actual)),
      h("td", { class: "num gap" }, h("span", { class: `chip ${gapClass(row.gap)}` }, gapText(row.gap, true))),
    )));
    $("province-staffing-scroll").hidden = false;
    const short = rows.filter((row) => row.gap > 0).length;
    setStatus("province-staffing-status",
      `${date}：${rows.length} 个辖区，其中 ${short} 个缺员 / ${date}: ${rows.length} jurisdictions, ${short} short.`);
  }

  // ---------------------------------------------------------------- workers and payslips

  async function searchWorkers(search) {
    const seq = ++state.search.seq;
    const results = $("search-results");
    clearError($("search-error"));
    if (!search) {
      results.replaceChildren();
      setStatus("search-status", "请输入工号、姓名或身份证号的一部分。");
      $("search-input").focus();
      return;
    }
    setBusy("workers", true);
    setStatus("search-status", `正在查询“${search}”…`);
    try {
      const data = await graphql(QUERIES.searchWorkers, { search });
      if (seq !== state.search.seq) return;
      const { nodes, totalCount } = data.workers;
      results.replaceChildren(...nodes.map(workerResult));
      setStatus("search-status", nodes.length === 0
        ? `没有找到匹配“${search}”的工作者。`
        : `找到 ${totalCount} 人${totalCount > nodes.length ? `，显示前 ${nodes.length} 人` : ""}；选择一人查看工资条。`);
    } catch (err) {
      if (seq !== state.search.seq) return;
      results.replaceChildren();
      setStatus("search-status", "");
      showError($("search-error"), err);
    } finally {
      if (seq === state.search.seq) setBusy("workers", false);
    }
  }

  function workerResult(worker) {
    const place = `${worker.community.name}（${worker.community.street.name}）`;
    return h("li", null, h("button", {
      type: "button",
      class: "worker",
      "data-worker-id": worker.id,
      onclick: (event) => {
        for (const other of document.querySelectorAll("#search-results button[aria-current]")) {
          other.removeAttribute("aria-current");
        }
        event.currentTarget.setAttribute("aria-current", "true");
        openPayslips(worker.id, worker.name);
      },
    },
    h("span", { class: "name" }, worker.name),
    h("span", { class: "meta" },
      `${worker.code} · ${place} · ${postTitle(worker.post)}${worker.serviceEnd ? ` · ${worker.serviceEnd} 离职` : ""}`),
    ));
  }

  async function openPayslips(id, name) {
    const seq = ++state.payslips.seq;
    const panel = $("payslips");
    const list = $("payslips-list");
    panel.hidden = false;
    $("payslips-title").textContent = `${name}的工资条`;
    clearError($("payslips-error"));
    list.replaceChildren();
    setStatus("payslips-status", "正在加载工资条…");
    $("payslips-title").focus();
    try {
      const data = await graphql(QUERIES.workerPayslips, { id });
      if (seq !== state.payslips.seq) return;
      if (!data.worker) {
        setStatus("payslips-status", "找不到该工作者（可能已被删除，或不在当前令牌的范围内）。");
        return;
      }
      const { nodes, totalCount } = data.worker.payslips;
      $("payslips-title").textContent = `${data.worker.name}（${data.worker.code}）的工资条`;
      if (!nodes.length) {
        setStatus("payslips-status", "该工作者尚无工资条。");
        return;
      }
      setStatus("payslips-status", totalCount > nodes.length
        ? `共 ${totalCount} 张，显示最近 ${nodes.length} 张。展开一张查看逐项说明。`
        : `共 ${totalCount} 张。展开一张查看逐项说明。`);
      list.replaceChildren(...nodes.map((payslip, i) => payslipDetails(payslip, i === 0)));
    } catch (err) {
      if (seq !== state.payslips.seq) return;
      setStatus("payslips-status", "");
      showError($("payslips-error"), err);
    }
  }

  function payslipDetails(p, open) {
    const status = p.payrollRun.status;
    const fact = (label, value) => h("div", null, h("dt", null, label), h("dd", null, value));
    return h("details", { class: "payslip", open, "data-period": p.period },
      h("summary", null,
        h("span", { class: "period" }, p.period),
        h("span", { class: "amounts" }, `应发 ${money(p.gross)} · 实发 ${money(p.net)}`),
        h("span", { class: `chip run-${status.toLowerCase()}` }, RUN_STATUS[status] || status),
      ),
      h("dl", { class: "facts" },
        fact("岗位", postTitle(p.post)),
        fact("等级", `${p.grade} 级`),
        fact("计薪天数", `${p.days} 天`),
        fact("个人所得税", money(p.incomeTax)),
        fact("单位用人成本", money(p.employerCost)),
      ),
      h("h4", null, "逐项说明"),
      h("ol", { class: "explanation" }, ...p.explanation.map((line) => h("li", { "data-item": line.item },
        h("div", { class: "line-head" },
          h("span", { class: "label" }, line.labelZh),
          h("span", { class: "value" }, line.value),
        ),
        h("div", { class: "line-body" },
          h("span", { class: "rule", title: "规则条款（salary-model.md）" }, line.rule),
          h("code", { class: "calculation" }, line.calculation),
        ),
      ))),
    );
  }

  // ---------------------------------------------------------------- wiring

  function init() {
    state.token = readStoredToken();
    $("token-input").value = state.token;
    $("staffing-date").value = today();

    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      state.token = $("token-input").value.trim();
      storeToken(state.token);
      loadAll();
    });
    $("token-clear").addEventListener("click", () => {
      $("token-input").value = "";
      state.token = "";
      storeToken("");
      loadAll();
    });

    const month = $("cost-month");
    $("cost-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (!validPeriod(month.value)) {
        showError($("cost-error"), new ApiError("BAD_USER_INPUT", "请选择月份（格式 2026-10）。"));
        month.focus();
        return;
      }
      loadCost(month.value);
    });
    month.addEventListener("change", () => {
      if (validPeriod(month.value)) loadCost(month.value);
    });
    for (const [id, delta] of [["cost-prev", -1], ["cost-next", 1]]) {
      $(id).addEventListener("click", () => {
        if (!validPeriod(month.value)) return;
        month.value = shiftMonth(month.value, delta);
        loadCost(month.value);
      });
    }
    $("cost-metric").addEventListener("change", () => {
      if (state.cost.period) renderCost();
    });

    $("staffing-form").addEventListener("submit", (event) => {
      event.preventDefault();
      loadStaffing();
    });
    $("staffing-short-only").addEventListener("change", renderStaffing);

    const year = $("province-year");
    $("province-date").value = today();
    $("province-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (!validYear(year.value)) {
        showError($("province-error"), new ApiError("BAD_USER_INPUT", "请填写年度（1990–2100）/ Enter a year (1990–2100)."));
        year.focus();
        return;
      }
      loadProvinceCost(Number(year.value));
      loadProvinceStaffing($("province-date").value || today());
    });
    $("province-metric").addEventListener("change", () => {
      if (state.province.costs.length) renderProvinceCost();
    });

    $("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      searchWorkers($("search-input").value.trim());
    });

    // Redraw the chart when its width changes (phone rotation, window resize).
    let lastWidth = $("cost-chart").clientWidth;
    if ("ResizeObserver" in window) {
      new ResizeObserver(() => {
        const width = $("cost-chart").clientWidth;
        if (width !== lastWidth && state.cost.totals.length) {
          lastWidth = width;
          renderCost();
        }
      }).observe($("cost-chart"));
      let lastProvinceWidth = $("province-chart").clientWidth;
      new ResizeObserver(() => {
        const width = $("province-chart").clientWidth;
        if (width !== lastProvinceWidth && state.province.costs.length) {
          lastProvinceWidth = width;
          renderProvinceCost();
        }
      }).observe($("province-chart"));
    }

    loadAll();
  }

  init();
})();
