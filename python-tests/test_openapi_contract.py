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
    result = openapi_fuzz.run_schemathesis(
        fuzz_server.base_url, fuzz_server.admin_key, fuzz_server.worker_token, work_dir=str(tmp_path))
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
