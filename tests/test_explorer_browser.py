"""The chain explorer in a real headless browser (Chromium through Playwright).

Skipped, with the reason, when Playwright is not installed or no Chromium binary is found
(``apt-get install chromium`` gives /usr/bin/chromium; ``playwright install`` is not needed).
The screenshot goes to ``$MAESTRO_TEST_ARTIFACTS`` (default ``build/test-artifacts``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import maestro_graph as mg
from maestro_graph.engine.ranking import risk_of
from maestro_graph.render.explorer import render_explorer

#: No network, no first-run or background work: the page must need nothing but itself.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1500, "height": 1000}


def chromium_path() -> str | None:
    """The Chromium to drive: $MAESTRO_CHROMIUM, else chromium on the PATH."""
    for candidate in (
        os.environ.get("MAESTRO_CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        "/usr/bin/chromium",
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("MAESTRO_TEST_ARTIFACTS") or "build/test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright)")
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium binary found (apt-get install chromium, or set MAESTRO_CHROMIUM)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def netmon() -> mg.Analysis:
    return mg.analyze(mg.example("netmon"))


@pytest.fixture(scope="module")
def netmon_file(netmon, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("explorer") / "netmon.html"
    path.write_text(render_explorer(netmon), encoding="utf-8")
    return path


@pytest.fixture
def page(browser, netmon_file) -> Iterator[Any]:
    """The netmon explorer, loaded and ready; fails the test on any script error."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.goto(netmon_file.as_uri())
    tab.wait_for_selector("body[data-ready=true]")
    yield tab
    context.close()
    assert errors == []


def listed_ids(tab: Any) -> list[str]:
    return tab.eval_on_selector_all("#chains li", "items => items.map(i => i.dataset.id)")


def test_clicking_a_chain_highlights_its_hops_in_order(page, netmon):
    chain = next(c for c in netmon.paths(top=50) if c.hops >= 4)
    page.click(f'#chains li[data-id="{chain.id}"]')
    badges = page.eval_on_selector_all(
        "#hops .hop-badge", "gs => gs.map(g => g.querySelector('text').textContent)"
    )
    assert badges == [str(n) for n in range(1, chain.hops + 1)]
    titles = page.eval_on_selector_all("#hops .hop-badge title", "ts => ts.map(t => t.textContent)")
    pairs = list(zip(chain.steps, chain.steps[1:], strict=False))
    assert titles == [
        f"hop {n}: {a.component} → {b.component}" for n, (a, b) in enumerate(pairs, start=1)
    ]
    on_chain = page.eval_on_selector_all("#arch .node.on-chain", "ns => ns.map(n => n.dataset.id)")
    assert sorted(on_chain) == sorted(set(chain.route))
    assert page.get_attribute(f'#chains li[data-id="{chain.id}"]', "aria-selected") == "true"
    hops = page.eval_on_selector_all("#detail ol.hops > li", "ls => ls.map(l => l.innerText)")
    assert len(hops) == len(chain.steps)
    for text, step in zip(hops, chain.steps, strict=True):
        assert step.component in text and step.threat in text
        if step.transition is not None:
            assert f"rule {step.transition.rule.id}" in text
        for link in step.atlas:
            assert link.id in text and link.maturity.value in text
    detail = page.inner_text("#detail")
    assert f"Chain #{chain.rank}" in detail and chain.evidence_summary() in detail
    seen = ", ".join(chain.detected_by) if chain.detected_by else "nobody"
    assert f"seen by: {seen}" in detail


def test_filters_shrink_the_list(page, netmon):
    chains = list(netmon.paths(top=50))
    page.select_option("#f-entry", "history")
    expected = [c.id for c in chains if c.entry == "history"]
    assert listed_ids(page) == expected and 0 < len(expected) < len(chains)
    page.select_option("#f-through", "L4")
    expected = [c.id for c in chains if c.entry == "history" and "L4" in c.signature]
    assert listed_ids(page) == expected
    page.fill("#f-search", "dashboard")
    expected = [c.id for c in chains if c.entry == "history" and "L4" in c.signature
                and "dashboard" in c.route]  # fmt: skip
    assert listed_ids(page) == expected
    assert page.inner_text("#count").startswith(f"{len(expected)} of {len(chains)} listed")
    page.click("#f-clear")
    assert len(listed_ids(page)) == len(chains)


def test_a_matrix_cell_lists_the_chains_between_its_layers(page, netmon):
    chains = list(netmon.paths(top=50))
    source, target = chains[0].layers[0].value, chains[0].layers[-1].value
    page.click(f'#matrix button[data-source="{source}"][data-target="{target}"]')
    expected = [
        c.id
        for c in chains
        if c.steps[0].layer.value == source and c.steps[-1].layer.value == target
    ]
    assert listed_ids(page) == expected and chains[0].id in expected
    assert (
        page.get_attribute(
            f'#matrix button[data-source="{source}"][data-target="{target}"]', "aria-pressed"
        )
        == "true"
    )
    page.click("#f-cell")  # the chip removes the cell filter
    assert len(listed_ids(page)) == len(chains)


def test_switching_a_placement_on_shows_what_it_cuts(page, netmon):
    chains = list(netmon.paths(top=50))
    first = netmon.mitigate().placements[0]
    graph = netmon.with_controls([first]).attack_graph
    after = {c.id: risk_of(graph, [s.state.key for s in c.steps]) or 0.0 for c in chains}
    cut = [c.id for c in chains if round(after[c.id], 4) < round(c.risk, 4) - 1e-9]
    assert cut, "the plan's first placement cuts some listed chain"
    page.check("#placement-0")
    assert page.eval_on_selector_all("#chains li.cut", "ls => ls.map(l => l.dataset.id)") == cut
    residual = netmon.with_controls([first]).paths(top=1)[0]
    assert f"{residual.risk:.3f}" in page.inner_text("#plan-residual")
    assert f"cuts {len(cut)} of {len(chains)} listed chains" in page.inner_text("#plan-cuts")
    page.click("#plan-all")
    everything = netmon.with_controls(netmon.mitigate().placements).paths(top=1)[0]
    assert f"{everything.risk:.3f}" in page.inner_text("#plan-residual")
    page.click("#plan-none")
    assert page.eval_on_selector_all("#chains li.cut", "ls => ls.length") == 0


def test_the_keyboard_moves_through_and_selects_chains(page, netmon):
    chains = list(netmon.paths(top=3))
    page.click("#chains li >> nth=0")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    second = f'#chains li[data-id="{chains[1].id}"]'
    assert page.get_attribute(second, "aria-selected") == "true"
    assert page.inner_text("#detail h2").startswith("Chain #2")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("k")
    page.keyboard.press("k")
    page.keyboard.press("Enter")
    assert page.inner_text("#detail h2").startswith("Chain #1")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "f-search"
    page.keyboard.type("tuner")
    page.keyboard.press("Escape")  # in the search box: clears it and leaves it
    assert page.evaluate("document.activeElement.id") != "f-search"
    page.keyboard.press("Escape")  # elsewhere: clears the selection
    assert page.eval_on_selector_all("#hops > *", "ns => ns.length") == 0
    assert page.eval_on_selector_all('#chains li[aria-selected="true"]', "ls => ls.length") == 0


def requests_outside(browser: Any, path: Path, actions: Any) -> list[str]:
    """Every request a page makes for anything but itself (data: and about: URLs aside) while
    it loads and ``actions(tab)`` runs; each such request is recorded and aborted."""
    context = browser.new_context(viewport=VIEWPORT)
    own = path.as_uri()
    outside: list[str] = []

    def judge(route: Any) -> None:
        if route.request.url == own:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def seen(request: Any) -> None:
        url = request.url
        if url != own and not url.startswith(("data:", "about:")) and url not in outside:
            outside.append(url)

    context.route("**/*", judge)
    tab = context.new_page()
    tab.on("request", seen)
    tab.goto(own)
    actions(tab)
    context.close()
    return outside


def test_the_page_makes_no_network_request(browser, netmon_file):
    def use(tab: Any) -> None:
        tab.wait_for_selector("body[data-ready=true]")
        tab.click("#chains li >> nth=1")
        tab.check("#placement-0")
        tab.click("#matrix button >> nth=0")
        tab.keyboard.press("Escape")
        tab.wait_for_timeout(200)

    assert requests_outside(browser, netmon_file, use) == []


def test_the_request_recorder_sees_file_and_host_requests(browser, tmp_path):
    # The check above means something only if a file:// page's requests reach the recorder.
    other = (tmp_path / "other.png").as_uri()
    leaky = tmp_path / "leaky.html"
    leaky.write_text(
        f'<!DOCTYPE html><img src="{other}">'
        '<script>fetch("http://example.invalid/").catch(() => {})</script>',
        encoding="utf-8",
    )
    found = requests_outside(browser, leaky, lambda tab: tab.wait_for_timeout(300))
    assert other in found and "http://example.invalid/" in found


def test_screenshot_of_the_top_chain(page):
    page.click("#chains li >> nth=0")
    target = artifacts_dir() / "explorer-netmon.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sixty_components_stay_readable(browser, tmp_path):
    from benchmarks.generate import generate

    path = tmp_path / "sixty.html"
    model = mg.SystemModel.model_validate(generate(60))
    path.write_text(render_explorer(mg.analyze(model), top=20), encoding="utf-8")
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.goto(path.as_uri())
    tab.wait_for_selector("body[data-ready=true]")
    tab.click("#chains li >> nth=0")
    # Component ids are drawn at 11 px in the SVG's own units: on screen at least 9 px.
    scale = tab.evaluate(
        "(() => { const s = document.getElementById('arch');"
        " return s.getBoundingClientRect().width / s.viewBox.baseVal.width; })()"
    )
    assert 11 * scale >= 9
    # No two component labels overlap on screen.
    boxes = tab.eval_on_selector_all(
        "#arch .node-id",
        "ts => ts.map(t => { const r = t.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })",
    )
    assert len(boxes) == 60
    overlapping = [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]
    assert overlapping == []
    tab.screenshot(path=str(artifacts_dir() / "explorer-sixty.png"))
    context.close()


def test_a_large_plan_combines_placements_and_says_so(browser, tmp_path, monkeypatch):
    import maestro_graph.render.explorer as explorer

    # rag-agent's plan has four placements; re-analyse only each alone and all of them.
    monkeypatch.setattr(explorer, "EXACT_SUBSETS_UP_TO", 2)
    analysis = mg.analyze(mg.example("rag-agent"))
    path = tmp_path / "rag.html"
    path.write_text(render_explorer(analysis, top=20), encoding="utf-8")
    chains = list(analysis.paths(top=20))
    first, second = analysis.mitigate().placements[:2]
    alone = [analysis.with_controls([p]).attack_graph for p in (first, second)]
    expected = []
    for chain in chains:
        keys = [s.state.key for s in chain.steps]
        risk = round(chain.risk, 4)
        combined = risk
        for graph in alone:
            combined *= round(risk_of(graph, keys) or 0.0, 4) / risk
        if round(combined, 4) < risk - 1e-9:
            expected.append(chain.id)
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.goto(path.as_uri())
    tab.wait_for_selector("body[data-ready=true]")
    tab.check("#placement-0")
    assert "(re-analysed)" in tab.inner_text("#plan-residual")
    tab.check("#placement-1")
    assert "approximate" in tab.inner_text("#plan-residual")
    assert tab.eval_on_selector_all("#chains li.cut", "ls => ls.map(l => l.dataset.id)") == expected
    context.close()


def test_the_jupyter_frame_runs_the_page(browser, netmon, tmp_path):
    # What a notebook shows: the page inside a sandboxed <iframe srcdoc>, scripts running.
    notebook = tmp_path / "notebook.html"
    frame_html = netmon.explore(top=5)._repr_html_()
    notebook.write_text(f"<!DOCTYPE html><html><body>{frame_html}</body></html>", encoding="utf-8")
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.goto(notebook.as_uri())
    frame = tab.frame_locator("iframe")
    frame.locator("body[data-ready=true]").wait_for()
    frame.locator("#chains li").first.click()
    assert frame.locator("#detail h2").inner_text().startswith("Chain #1")
    assert frame.locator("#chains li").count() == 5
    context.close()
