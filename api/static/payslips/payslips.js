/*
 * 电子工资条 / A worker's own payslips, on a phone.
 *
 * Plain JavaScript, no build step and no libraries.  The page signs in with
 * the one-time link HR gives the worker (/payslips/#code=…): the code is
 * exchanged once at /payslips/claim for a worker token, kept in this
 * phone's localStorage until "退出".  Everything else goes through the
 * public GraphQL API at /graphql with that token, whose scope is the
 * worker's own record and payslips.  Money arrives as decimal strings of
 * yuan ("3520.48"); it is shown as given (with thousands separators) and
 * summed as integer fen, never as floats.
 */
"use strict";

(function () {
  const ENDPOINT = "/graphql";
  const CLAIM = "/payslips/claim";
  const TOKEN_KEY = "communityPayroll.payslipToken";
  const TIMEOUT_MS = 20000;
  const MONTHS_SHOWN = 36;

  const QUERIES = {
    me: `query PayslipsMe {
  me {
    role
    worker {
      code
      name
      payslips(first: ${MONTHS_SHOWN}) { nodes { id period gross net } }
    }
  }
}`,
    payslip: `query PayslipOfMonth($period: Period!) {
  payslips(period: $period, first: 1) {
    nodes {
      id
      period
      post
      grade
      countedYears
      days
      basicPay
      performancePay
      educationAllowance
      certificateAllowance
      tenureAllowance
      differenceAllowance
      gross
      siBase
      employeePension
      employeeMedical
      employeeUnemployment
      housingFundEmployee
      incomeTax
      bonusTax
      net
      employerPension
      employerMedical
      employerUnemployment
      employerWorkInjury
      housingFundEmployer
      accidentInsurance
      employerCost
      explanation { item labelZh rule formula calculation value }
    }
  }
}`,
  };

  // The payslip's lines by group, in the order of a printed payslip.  A line
  // that is a column of the payslip shows the stored amount; the others
  // (explained steps) show the explanation's value.
  const GROUPS = [
    { id: "pay", title: "应发项目", total: "gross", open: true,
      items: ["basic_pay", "performance_pay", "education_allowance", "certificate_allowance", "tenure_allowance",
        "fixed_allowances", "difference_allowance", "back_pay", "gross"] },
    { id: "deductions", title: "扣除项目", total: "deductions", open: true,
      items: ["employee_pension", "employee_medical", "employee_unemployment", "housing_fund_employee", "income_tax",
        "bonus_tax"] },
    { id: "net", title: "实发", total: "net", open: true, items: ["net"] },
    { id: "basis", title: "计算依据（工龄、等级、基数）", open: false,
      items: ["counted_years", "grade", "grade_pay", "pay_base", "performance_reserve", "days", "standard_wage",
        "si_base"] },
    { id: "employer", title: "单位缴纳（不从工资中扣除）", open: false,
      items: ["employer_pension", "employer_medical", "employer_unemployment", "employer_work_injury",
        "housing_fund_employer", "accident_insurance", "employer_cost"] },
  ];
  // Lines that are counts, not money.
  const COUNTS = { counted_years: "年", grade: "级", days: "天" };
  const DEDUCTIONS = GROUPS[1].items;

  const state = { token: "", seq: 0, period: "" };

  // ---------------------------------------------------------------- helpers

  const $ = (id) => document.getElementById(id);

  /** An HTML element; children are nodes or strings (set as text, never as HTML). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.setAttribute("class", value);
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  /** "3520.48" → 352048 (integer fen); null when it is not an amount. */
  function toFen(text) {
    const match = /^(-?)(\d+)\.(\d{2})$/.exec(String(text).trim());
    if (!match) return null;
    const fen = Number(match[2]) * 100 + Number(match[3]);
    return match[1] ? -fen : fen;
  }

  /** 352048 → "3,520.48". */
  function formatFen(fen) {
    const sign = fen < 0 ? "-" : "";
    const abs = Math.abs(fen);
    const yuan = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return `${sign}${yuan}.${String(abs % 100).padStart(2, "0")}`;
  }

  function money(text) {
    const fen = toFen(text);
    return fen === null ? String(text) : formatFen(fen);
  }

  /** "2026-03" → "2026年3月". */
  function monthLabel(period) {
    const [year, month] = period.split("-");
    return `${year}年${Number(month)}月`;
  }

  /** payslip column names as GraphQL spells them: "basic_pay" → "basicPay". */
  const camel = (item) => item.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

  // ---------------------------------------------------------------- the API

  class ApiError extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
    }
  }

  const MESSAGES = {
    UNAUTHENTICATED: "登录已失效：令牌无效、已过期，或已被人事撤销。请向人事索取新的链接。",
    LINK: "链接无效、已使用、已过期或已撤销：每个链接只能使用一次。请向人事索取新的链接。",
    FORBIDDEN: "此令牌不能查看工资条。",
    RATE_LIMITED: "尝试次数过多，请稍后再试。",
    NETWORK: "网络错误：无法连接到服务器，请检查网络后重试。",
    TIMEOUT: "服务器长时间没有响应，请稍后重试。",
  };

  async function post(url, body, token) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response;
    try {
      response = await fetch(url, {
        method: "POST", headers, body: JSON.stringify(body), signal: controller.signal,
        credentials: "omit", cache: "no-store",
      });
    } catch (error) {
      throw new ApiError(error.name === "AbortError" ? "TIMEOUT" : "NETWORK", "");
    } finally {
      clearTimeout(timer);
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch (error) {
      throw new ApiError("NETWORK", `HTTP ${response.status}`);
    }
    const first = payload && payload.errors && payload.errors[0];
    if (first) {
      throw new ApiError((first.extensions && first.extensions.code) || `HTTP_${response.status}`, first.message || "");
    }
    return payload;
  }

  async function graphql(query, variables) {
    const payload = await post(ENDPOINT, { query, variables: variables || {} }, state.token);
    return payload.data;
  }

  // ---------------------------------------------------------------- messages

  function showError(error) {
    const box = $("error");
    const known = MESSAGES[error.code];
    box.replaceChildren(h("strong", null, known || "出错了。"),
      error.message && !known ? h("span", null, " ", error.message) : null);
    box.dataset.code = error.code || "";
    box.hidden = false;
  }

  function clearError() {
    $("error").hidden = true;
    $("error").replaceChildren();
  }

  function setStatus(text) {
    $("status").textContent = text;
  }

  // ---------------------------------------------------------------- signing in and out

  function storedToken() {
    try {
      return localStorage.getItem(TOKEN_KEY) || "";
    } catch (error) {
      return "";
    }
  }

  function keepToken(token) {
    state.token = token;
    try {
      if (token) localStorage.setItem(TOKEN_KEY, token);
      else localStorage.removeItem(TOKEN_KEY);
    } catch (error) {
      // Private mode without storage: the token lasts as long as the page.
    }
  }

  /** The one-time code of the link this page was opened with, removed from the address. */
  function takeLinkCode() {
    const match = /(?:^#|&)code=([A-Za-z0-9_-]{1,100})(?:&|$)/.exec(location.hash);
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
    return match ? match[1] : "";
  }

  async function claim(code) {
    setStatus("正在登录…");
    let payload;
    try {
      payload = await post(CLAIM, { code });
    } catch (error) {
      setStatus("");
      throw error.code === "UNAUTHENTICATED" ? new ApiError("LINK", error.message) : error;
    }
    keepToken(payload.token);
  }

  function signedOut(message) {
    state.seq += 1;
    keepToken("");
    state.period = "";
    $("who").hidden = true;
    $("sign-out").hidden = true;
    $("months").hidden = true;
    $("payslip").hidden = true;
    $("month-list").replaceChildren();
    $("payslip-groups").replaceChildren();
    $("sign-in").hidden = false;
    setStatus(message || "");
  }

  // ---------------------------------------------------------------- the months

  async function loadMonths() {
    const seq = ++state.seq;
    setStatus("正在载入…");
    const data = await graphql(QUERIES.me);
    if (seq !== state.seq) return;
    const worker = data.me.worker;
    if (!worker) {
      signedOut();
      showError(new ApiError("FORBIDDEN", ""));
      $("error").append(h("span", null, " 电子工资条只显示工作者本人的工资条；请用人事发给您本人的链接登录。"));
      return;
    }
    $("sign-in").hidden = true;
    $("sign-out").hidden = false;
    $("who").textContent = `${worker.name}（工号 ${worker.code}）`;
    $("who").hidden = false;
    const slips = worker.payslips.nodes;
    $("month-list").replaceChildren(...slips.map((slip) => h("li", null,
      h("button", { type: "button", class: "month", "data-period": slip.period, onclick: () => openMonth(slip.period) },
        h("span", { class: "period" }, monthLabel(slip.period)),
        h("span", { class: "net" }, `实发 ${money(slip.net)}`)))));
    $("months-empty").hidden = slips.length > 0;
    $("months").hidden = false;
    setStatus("");
    if (slips.length) await openMonth(slips[0].period, false);
  }

  // ---------------------------------------------------------------- one payslip

  async function openMonth(period, focus = true) {
    const seq = ++state.seq;
    state.period = period;
    for (const button of document.querySelectorAll("#month-list button.month")) {
      if (button.dataset.period === period) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
    clearError();
    setStatus(`正在载入 ${monthLabel(period)} 的工资条…`);
    let slip;
    try {
      const data = await graphql(QUERIES.payslip, { period });
      slip = data.payslips.nodes[0];
    } catch (error) {
      if (seq === state.seq) failed(error);
      return;
    }
    if (seq !== state.seq) return;
    setStatus("");
    if (!slip) {
      $("payslip").hidden = true;
      setStatus(`${monthLabel(period)} 没有工资条。`);
      return;
    }
    showPayslip(slip);
    if (focus) $("payslip-title").focus();
  }

  function showPayslip(slip) {
    const explained = {};
    for (const line of slip.explanation) explained[line.item] = line;
    const deductions = DEDUCTIONS.reduce((sum, item) => sum + (toFen(slip[camel(item)]) || 0), 0);
    const section = $("payslip");
    section.dataset.period = slip.period;
    $("payslip-title").textContent = `${monthLabel(slip.period)}工资条`;
    $("payslip-summary").replaceChildren(
      h("div", { class: "gross" }, h("dt", null, "应发"), h("dd", null, money(slip.gross))),
      h("div", { class: "deductions" }, h("dt", null, "扣除"), h("dd", null, formatFen(deductions))),
      h("div", { class: "net" }, h("dt", null, "实发"), h("dd", null, money(slip.net))));
    $("payslip-groups").replaceChildren(...GROUPS.map((group) => {
      const lines = group.items.filter((item) => item in explained || camel(item) in slip)
        .map((item) => lineOf(item, slip, explained[item]));
      const total = group.total === "deductions" ? formatFen(deductions)
        : group.total ? money(slip[camel(group.total)]) : null;
      const heading = h("summary", null, h("span", { class: "group-title" }, group.title),
        total !== null ? h("span", { class: "group-total" }, total) : null);
      return h("details", { class: `group group-${group.id}`, "data-group": group.id, open: group.open },
        heading, h("ul", { class: "lines" }, lines));
    }));
    section.hidden = false;
  }

  function lineOf(item, slip, line) {
    const column = camel(item);
    const stored = column in slip ? slip[column] : null;
    const value = stored !== null ? stored : line ? line.value : "";
    const count = COUNTS[item];
    const shown = count ? `${value} ${count}` : money(value);
    const zero = !count && toFen(value) === 0;
    return h("li", { class: zero ? "line zero" : "line", "data-item": item },
      h("div", { class: "line-head" },
        h("span", { class: "label" }, line ? line.labelZh : item),
        h("span", { class: "value" }, shown)),
      line ? h("p", { class: "calculation" }, line.calculation) : null,
      // The rule's section, and the formula one tap away.
      line ? h("details", { class: "formula" },
        h("summary", null, h("span", { class: "rule" }, `依据 ${line.rule}`), " · 公式"),
        h("p", null, line.formula)) : null);
  }

  // ---------------------------------------------------------------- errors

  function failed(error) {
    if (error.code === "UNAUTHENTICATED") {
      signedOut();
    } else {
      setStatus("");
    }
    showError(error);
  }

  // ---------------------------------------------------------------- start

  async function start() {
    $("sign-out").addEventListener("click", () => {
      clearError();
      signedOut("已退出：本手机不再保存您的登录。");
    });
    $("token-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const token = $("token-input").value.trim();
      if (!token) return;
      $("token-input").value = "";
      clearError();
      keepToken(token);
      try {
        await loadMonths();
      } catch (error) {
        failed(error);
      }
    });

    const code = takeLinkCode();
    state.token = storedToken();
    if (code) {
      try {
        await claim(code);
      } catch (error) {
        // A used link opened again on the phone that used it: the stored token still works.
        showError(error);
        if (!state.token) {
          signedOut();
          return;
        }
      }
    }
    if (!state.token) {
      signedOut();
      return;
    }
    try {
      await loadMonths();
    } catch (error) {
      failed(error);
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
