"""The served OpenAPI document against the server that serves it, checked by tools that know
nothing of Zoetrope: openapi-spec-validator for the document, and schemathesis (examples,
coverage and fuzzing phases, every check but response time, ≥ 5 000 generated cases) for the
server's answers. The server is started here from ZOETROPE_BIN, configured so that fuzzing
renders nothing and never waits long (see openapi_fuzz.start_server). scripts/fuzz-openapi.sh
runs the same by hand."""

import os

import pytest

import openapi_fuzz

ZOETROPE_BIN = os.environ.get("ZOETROPE_BIN", ".build/release/zoetrope")


@pytest.fixture(scope="module")
def fuzz_server():
    server = openapi_fuzz.start_server(ZOETROPE_BIN)
    yield server
    server.stop()


def test_served_document_is_valid_openapi(fuzz_server):
    document = openapi_fuzz.fetch_document(fuzz_server.base_url)
    assert document["openapi"].startswith("3.")
    openapi_fuzz.validate_document(document)


def test_schemathesis_finds_no_server_errors_or_conformance_failures(fuzz_server, tmp_path, capsys):
    def run(attempt):
        return openapi_fuzz.run_schemathesis(
            fuzz_server.base_url, fuzz_server.admin_key, fuzz_server.worker_token, work_dir=str(tmp_path / attempt))

    result = run("first")
    if result.crashed_on_its_own:  # the fuzzer's crash is no finding: run it once more
        with capsys.disabled():
            print(f"\nschemathesis crashed on its own (exit code {result.returncode}); running it again:\n"
                  + result.errors_section[:2000])
        result = run("second")
    summary = (f"schemathesis: {result.cases} generated test cases in {result.seconds:.0f} s, "
               f"exit code {result.returncode}\n  {openapi_fuzz.shell_line(result.command)}")
    with capsys.disabled():  # in the CI log even when the test passes
        print("\n" + summary)
    # The run kept its credentials (the key guard), so its later requests were not all 401s.
    # By name, the first made: the fuzzer may create keys of its own with names it saw listed.
    keys = {}
    for key in sorted(openapi_fuzz.list_keys(fuzz_server.base_url, fuzz_server.admin_key), key=lambda k: k["created_at"]):
        keys.setdefault(key["name"], key)
    for name in ("fuzz-admin", "fuzz-worker"):
        assert keys[name]["revoked_at"] is None and keys[name]["credits"] is None, (
            f"the fuzzer changed its own key: {keys[name]}\n\n{result.output}")
    assert result.returncode == 0, (
        f"{summary}\n\n{result.output}\n\nserver log (last lines):\n{fuzz_server.log_tail()}")
    assert result.cases is not None, f"no 'Test cases:' summary in schemathesis' output:\n{result.output}"
    assert result.cases >= openapi_fuzz.MIN_CASES, f"{summary}\n\n{result.output}"


def test_a_run_is_retried_only_when_the_fuzzer_crashed_on_its_own():
    def result(returncode, output):
        return openapi_fuzz.FuzzResult([], returncode, output, 1, 1.0, "")

    crash = ("=== ERRORS ===\n___ POST /v2/ltx-2-image2video ___\n"
             "SystemError: AST constructor recursion depth mismatch\nNeed more help?\n=== 1 error in 275.00s ===")
    assert result(1, crash).crashed_on_its_own
    assert not result(0, crash).crashed_on_its_own
    assert not result(-9, crash).crashed_on_its_own  # killed after its timeout
    assert not result(1, crash.replace("1 error", "1 failure, 1 error")).crashed_on_its_own
    assert not result(1, crash.replace("SystemError", "Network Error: Connection refused")).crashed_on_its_own
    assert not result(1, "=== FAILURES ===\n500 Internal Server Error\n=== 2 failures in 3.00s ===").crashed_on_its_own


def test_ast_parse_goes_one_at_a_time_in_the_fuzzer(monkeypatch):
    import ast
    import threading
    import time

    inside, most = 0, 0
    count_lock = threading.Lock()

    def slow_parse(source, *args, **kwargs):
        nonlocal inside, most
        with count_lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.01)
        with count_lock:
            inside -= 1
        return ast.Module(body=[], type_ignores=[])

    monkeypatch.setattr(ast, "parse", slow_parse)
    openapi_fuzz.serialize_ast_parse()
    openapi_fuzz.serialize_ast_parse()  # a second call wraps nothing more
    threads = [threading.Thread(target=ast.parse, args=("x = 1",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1
