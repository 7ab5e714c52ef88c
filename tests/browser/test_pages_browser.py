"""The pages in headless Chromium (Debian's, driven by Playwright; never a downloaded browser), on a
real service on a free port: sign in; receive a document and get its label PDF; check it out by
posting scans and watch the station display and the dashboard change; a refused top-secret
check-out shows its reason; a leader approves a pending request; the sweep is run; the language
is switched. Screenshots of the main pages go to test-screenshots/ (README, "Web pages")."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pages_support import PASSWORD, Site, running_site

from custody.actions import requests as request_actions

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "test-screenshots"

pytestmark = pytest.mark.slow  # a real browser: ~40 s for the module, in CI's slow step

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
if not CHROMIUM.exists():
    pytest.skip(
        "no browser: /usr/bin/chromium is missing (apt-get install chromium)", allow_module_level=True
    )


def font_config(folder: Path) -> dict[str, str]:
    """A fontconfig file that adds the labels' Chinese font (the noto-cjk-sans-otc package, a
    dependency) to the system's, so that screenshots show Chinese where no CJK font is installed."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return {}
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{Path(noto_cjk_sans_otc.__file__).parent}</dir>"
        f"<cachedir>{folder / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return {"FONTCONFIG_FILE": str(conf)}


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import os

    env = {**os.environ, **font_config(tmp_path_factory.mktemp("fonts"))}
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, env=env)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(tmp_path / "home") as s:
        yield s


class Tab:
    """A browser tab of its own (own cookies) at 1366×768, that records CSP and script errors."""

    def __init__(
        self, browser: Any, site: Site, locale: str = "zh-CN", viewport: dict[str, int] | None = None
    ) -> None:
        self.site = site
        self.context = browser.new_context(locale=locale, viewport=viewport or {"width": 1366, "height": 768})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))

    def go(self, path: str) -> Any:
        self.page.goto(self.site.url + path)
        return self.page

    def login(self, username: str) -> Any:
        page = self.go("/login")
        page.get_by_label(re.compile("用户名|User name")).fill(username)
        page.get_by_label(re.compile("密码|Password")).fill(PASSWORD)
        page.get_by_role("button", name=re.compile("登录|Sign in")).click()
        page.wait_for_url(self.site.url + "/")
        return page

    def shot(self, name: str) -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        assert not [p for p in self.problems if "Content Security Policy" in p], self.problems
        self.context.close()


def post_scan(site: Site, code: str, station: str = "保密室") -> dict[str, Any]:
    r = requests.post(
        site.url + "/api/v1/scans",
        json={"code": code, "scan_id": str(uuid.uuid4())},
        headers={"Authorization": f"Bearer {site.tokens[station]}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_sign_in_and_receive_a_document_with_its_labels(browser, site):
    tab = Tab(browser, site)
    try:
        tab.go("/login")
        tab.shot("login")
        page = tab.login("zhao")
        assert page.locator("h1").inner_text() == "总览"
        page.get_by_role("link", name="收文登记").first.click()
        page.get_by_label("标题").fill("关于年终保密检查的通知")
        page.get_by_label("密级", exact=True).select_option("secret")
        page.get_by_label("文号").fill("办发〔2026〕31号")
        page.get_by_label("发文机关").fill("县委办公室")
        page.get_by_label("收到份数").fill("2")
        page.get_by_label("保密期限").fill("10y")
        tab.shot("receive")
        page.get_by_role("button", name="收文登记").click()
        received = page.locator("#received")
        received.wait_for()
        assert received.locator("li").count() == 2
        href = page.locator("#labels").get_attribute("href")
        pdf = page.request.get(site.url + href)  # the tab's own cookies
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")
        received.locator("a").first.click()
        page.wait_for_url(re.compile(r"/items/\d{12}$"))
        assert page.locator("img.label-image").evaluate("img => img.complete && img.naturalWidth > 0")
        assert page.locator("ol.timeline li").count() == 1
        tab.shot("item")
    finally:
        tab.close()


def test_a_check_out_shows_on_the_station_display_and_the_dashboard(browser, site):
    office = site.office
    code = office.secret[0]
    display = Tab(browser, site)
    board = Tab(browser, site)
    try:
        display.login("zhao")
        page = display.go("/station/保密室")
        page.locator("#arm").click()
        assert page.locator("#station").get_attribute("data-armed") == "1"
        dash = board.login("wang")
        assert dash.locator("table.out").count() == 0
        post_scan(site, "B001")
        sync_api.expect(page.locator("#session")).to_contain_text("张三", timeout=5000)
        started = time.monotonic()
        answer = post_scan(site, code)
        assert answer["outcome"] == "checked_out"
        sync_api.expect(page.locator("#word")).to_have_text("已借出", timeout=5000)
        shown_after = time.monotonic() - started
        assert shown_after < 1.5, f"the display showed the scan after {shown_after:.2f} s"
        sync_api.expect(page.locator("#outcome")).to_have_class(re.compile(r"\bdone\b"))
        display.shot("station-done")
        # the dashboard updates by itself (it re-reads itself every few seconds)
        sync_api.expect(dash.locator("table.out")).to_contain_text("年度工作要点", timeout=15000)
        sync_api.expect(dash.locator("table.out")).to_contain_text("张三")
        board.shot("dashboard")
    finally:
        display.close()
        board.close()


def test_a_refused_top_secret_check_out_shows_its_reason(browser, site):
    tab = Tab(browser, site)
    try:
        tab.login("zhao")
        page = tab.go("/station/保密室")
        post_scan(site, "C001")  # the custodian may hold top secret, but needs a leader (P10)
        answer = post_scan(site, site.office.top)
        assert answer["outcome"] == "refused"
        sync_api.expect(page.locator("#word")).to_have_text("拒绝", timeout=5000)
        sync_api.expect(page.locator("#outcome")).to_have_class(re.compile(r"\brefused\b"))
        sync_api.expect(page.locator("#message")).to_contain_text("领导")
        tab.shot("station-refused")
        # the training box posts a code as a scan of this station (a leader's badge approves)
        page.get_by_label(re.compile("练习")).fill("L001")
        page.get_by_role("button", name="扫描", exact=True).click()
        sync_api.expect(page.locator("#word")).to_have_text("已批准", timeout=5000)
    finally:
        tab.close()


def test_a_leader_approves_a_pending_request(browser, site):
    office = site.office
    ref = request_actions.make_request(
        office.store,
        "check-out",
        person=office.people["zhang"],
        requested_by=office.people["zhang"],
        item=office.top,
        actor="test",
        purpose="审阅",
    ).extra["request"]
    tab = Tab(browser, site)
    try:
        tab.login("wang")
        page = tab.go("/approvals")
        sync_api.expect(page.locator("table")).to_contain_text("绝密通知")
        tab.shot("approvals")
        page.locator(f"#approve-{ref}").click()
        sync_api.expect(page.locator(".alert.done")).to_contain_text("批准")
        assert page.locator("table").count() == 0
        assert office.store.m.ApprovalRequest.get().status == "approved"
    finally:
        tab.close()


def test_the_sweep_page_is_run_and_prints(browser, site):
    site.office.lend(site.office.top, "zhao")
    tab = Tab(browser, site)
    try:
        tab.login("zhao")
        page = tab.go("/sweep")
        sync_api.expect(page.locator("table.out")).to_contain_text("绝密通知")
        page.locator("#run-sweep").click()
        page.wait_for_url(site.url + "/sweep")
        sync_api.expect(page.locator("main")).to_contain_text("上次记录于")
        tab.shot("sweep")
        page.emulate_media(media="print")
        assert page.locator("header.top").is_hidden() and page.locator("#run-sweep").is_hidden()
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        page.emulate_media(media="screen")
        for path, name in (
            ("/people", "people"),
            ("/stations", "stations"),
            ("/audit", "audit"),
            ("/registers", "registers"),
        ):
            tab.go(path)
            tab.shot(name)
    finally:
        tab.close()


def test_switch_language(browser, site):
    tab = Tab(browser, site)
    try:
        page = tab.login("zhao")
        assert page.locator("h1").inner_text() == "总览"
        page.get_by_role("link", name="English").click()
        sync_api.expect(page.locator("h1")).to_have_text("Dashboard")
        sync_api.expect(page.locator("header nav")).to_contain_text("Closing sweep")
        tab.go("/sweep")
        sync_api.expect(page.locator("h1")).to_have_text("Closing sweep")
        page.get_by_role("link", name="中文").click()
        sync_api.expect(page.locator("h1")).to_have_text("下班清查")
    finally:
        tab.close()


def test_a_tablet_reads_the_dashboard(browser, site):
    """At 800 px wide nothing runs off the side of the dashboard."""
    site.office.lend(site.office.secret[0], "zhang")
    tab = Tab(browser, site, viewport={"width": 800, "height": 1280})
    try:
        page = tab.login("wang")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 800, f"the dashboard is {width} px wide on an 800 px tablet"
        tab.shot("dashboard-tablet")
    finally:
        tab.close()


def test_an_admin_adds_a_user_who_then_signs_in(browser, site):
    admin = Tab(browser, site)
    newcomer = Tab(browser, site)
    try:
        admin.login("root")
        page = admin.page
        page.get_by_role("link", name="用户", exact=True).click()
        page.wait_for_url(site.url + "/users")
        page.locator("#u-name").fill("qian")
        page.locator("#u-role").select_option("custodian")
        page.get_by_label(re.compile("关联人员")).fill("B002")
        page.locator("#u-password").fill("a brand new password")
        page.locator("#u-password2").fill("a brand new password")
        page.locator("#u-add").click()
        sync_api.expect(page.locator("#users-done")).to_contain_text("qian")
        sync_api.expect(page.locator("table.users")).to_contain_text("李四")
        admin.shot("users")
        login = newcomer.go("/login")
        login.get_by_label(re.compile("用户名|User name")).fill("qian")
        login.get_by_label(re.compile("密码|Password")).fill("a brand new password")
        login.get_by_role("button", name=re.compile("登录|Sign in")).click()
        login.wait_for_url(site.url + "/")
        sync_api.expect(login.locator("header .user")).to_contain_text("李四")
        assert login.get_by_role("link", name="用户", exact=True).count() == 0  # a custodian: no users page
    finally:
        admin.close()
        newcomer.close()


def test_a_custodian_returns_an_item_to_its_issuer_from_the_item_page(browser, site):
    code = site.office.secret[2]
    tab = Tab(browser, site)
    try:
        tab.login("zhao")
        page = tab.go(f"/items/{code}")
        page.locator("#act-return summary").click()
        page.get_by_label("清退单号").fill("清退单2026-07")
        tab.shot("item-actions")
        page.once("dialog", lambda dialog: dialog.accept())  # the form asks before it is sent
        page.locator("#rt-submit").click()
        sync_api.expect(page.locator("ol.timeline")).to_contain_text("清退", timeout=5000)
        sync_api.expect(page.locator("dl.fields")).to_contain_text("已清退")
        assert page.locator("#act-return").count() == 0
        assert site.office.item(code).status == "returned-to-issuer"
    finally:
        tab.close()
