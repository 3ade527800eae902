"""An independent OpenAPI contract fuzzer for Zoetrope: schemathesis (the CLI, pinned in
python-tests/requirements.txt) against a live server over the document it serves at
/openapi.json, after checking that document with openapi-spec-validator.

Used by python-tests/test_openapi_contract.py (CI) and scripts/fuzz-openapi.sh (by hand):

    python python-tests/openapi_fuzz.py --bin .build/release/zoetrope        # starts its own server
    python python-tests/openapi_fuzz.py --url http://127.0.0.1:8080 \\
        --api-key ADMIN_KEY [--worker-token WORKER_TOKEN]                     # a running server

The server it starts is configured so that fuzzing can neither render a video nor hang:
`--no-local-runner` (jobs stay queued), `--sync-timeout 0.05` (POST /v1/{model} answers 504
at its first look, after 0.2 s), `--allow-private-inputs` (no DNS look-ups of fuzzed webhook
hosts), and rate and unfinished-job limits far above what a run sends.

Authentication follows the document's security schemes ([auth.openapi.*] in a generated
schemathesis.toml): ApiKeyAuth gets an admin key (admin keys may use every non-worker route,
so /v1/admin/… is exercised too), WorkerToken gets a worker token (/v1/worker/…). Without a
worker token the worker routes are left out.

Every check runs (`--checks all`) except the response-time check, which is not enabled unless
`--max-response-time` is given (POST /v1/{model} blocks by design). Phases: examples, coverage,
fuzzing; the stateful phase is off by default (--phases to add it): it would chain a submit into
GET /v2/requests/{id}/stream, which cannot end while nothing runs.

The run's only allowances (see write_config and register_schemathesis_hooks): 504 from
POST /v1/{model} is not a server error; an SSE stream is read for one event; PUT /files/{key}'s
video/mp4 body is sent as raw bytes; revokes and credit changes aimed at keys that existed before
the run go to a spare key; positive video bodies that break the rules across fields which JSON
Schema cannot state (shot durations against `duration`, voice ids that must exist) are mended."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

MIN_CASES = 5000
DEFAULT_SEED = 20240601
DEFAULT_MAX_EXAMPLES = 175
DEFAULT_PHASES = "examples,coverage,fuzzing"
DEFAULT_WORKERS = 4
# schemathesis' --max-time is not a cap: with it, fuzzing repeats until the budget is spent (and
# may switch the stateful phase on), so runs are bounded by --max-examples and a kill timeout.
DEFAULT_TIMEOUT = 600
WORKER_PATHS = r"^/v1/worker/"
SYNC_PATHS = r"^/v1/[^/]+$"  # POST /v1/{model}, or its per-model expansions
RESULT_PATHS = r"^/v2/requests/[^/]+$"  # GET /v2/requests/{id}


def venv_bin(name: str) -> str:
    """`name` from the running interpreter's environment (the test venv), else from PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(candidate):
        return candidate
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed; pip install -r python-tests/requirements.txt")
    return found


@dataclasses.dataclass
class Server:
    """A `zoetrope serve` started for fuzzing, with an admin key and a worker token."""

    base_url: str
    admin_key: str
    worker_token: str
    data_dir: str
    log_path: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 60) -> str:
        with open(self.log_path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])


def create_key(binary: str, data_dir: str, name: str, *flags: str) -> str:
    created = subprocess.run(
        [binary, "keys", "create", "--name", name, "--data-dir", data_dir, *flags],
        check=True, capture_output=True, text=True,
    )
    return created.stdout.strip().splitlines()[-1]


def start_server(binary: str, data_dir: str | None = None) -> Server:
    """Starts `zoetrope serve --port 0` configured for fuzzing; returns once /healthz answers."""
    data_dir = data_dir or tempfile.mkdtemp(prefix="zoetrope-fuzz-")
    admin_key = create_key(binary, data_dir, "fuzz-admin", "--admin")
    worker_token = create_key(binary, data_dir, "fuzz-worker", "--worker")
    log_path = os.path.join(data_dir, "server.log")
    log = open(log_path, "w")
    process = subprocess.Popen(
        [
            binary, "serve", "--port", "0", "--data-dir", data_dir,
            "--no-local-runner",           # jobs stay queued: nothing renders
            "--sync-timeout", "0.05",      # POST /v1/{model} answers 504 at its first poll (0.2 s)
            "--allow-private-inputs",      # no DNS look-ups of fuzzed webhook hosts
            "--rate-limit", "1000000",
            "--rate-burst", "1000000",
            "--max-unfinished-jobs", "1000000",
        ],
        stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    base_url = None
    deadline = time.time() + 60
    while time.time() < deadline and base_url is None:
        if process.poll() is not None:
            raise RuntimeError("zoetrope serve exited:\n" + open(log_path).read())
        match = re.search(r"public URL (http://\S+)", open(log_path).read())
        if match:
            base_url = match.group(1).rstrip("/")
        else:
            time.sleep(0.1)
    if base_url is None:
        process.kill()
        raise RuntimeError("zoetrope serve did not start:\n" + open(log_path).read())
    server = Server(base_url, admin_key, worker_token, data_dir, log_path, process)
    with urllib.request.urlopen(base_url + "/healthz", timeout=10) as response:
        assert response.status == 200, response.status
    return server


def fetch_document(base_url: str) -> dict:
    with urllib.request.urlopen(base_url + "/openapi.json", timeout=30) as response:
        return json.loads(response.read())


def validate_document(document: dict) -> None:
    """Raises openapi_spec_validator's error when the document is not valid OpenAPI."""
    from openapi_spec_validator import validate

    validate(document)


def write_config(path: str, api_key: str, worker_token: str | None, spare_key: str | None = None) -> None:
    """schemathesis.toml: each security scheme's credential, the run's allowances, and (with a
    spare key) the key routes' `id` fixed to it, so no generated id can revoke the run's own keys."""

    def quoted(value: str) -> str:
        return json.dumps(value)  # a JSON string is a valid TOML basic string

    lines = [
        # GET /v2/requests/{id}/stream never ends while a job is queued (and here none ever
        # runs): the first event is read and checked, then the stream is closed.
        "max-stream-events = 1",
        "",
        "[auth.openapi.ApiKeyAuth]",
        f"api_key = {quoted(api_key)}",
        "",
    ]
    if worker_token:
        lines += ["[auth.openapi.WorkerToken]", f"bearer = {quoted(worker_token)}", ""]
    lines += [
        # POST /v1/{model} blocks until the job ends; with no runner it answers its documented
        # 504 after --sync-timeout. Only that 5xx, only there, is not a server error.
        "[[operations]]",
        'include-method = "POST"',
        f"include-path-regex = {quoted(SYNC_PATHS)}",
        'checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "504"]',
        "",
        # A request's result answers 422 once its job has FAILED, as Segmind's does: here jobs
        # leased by fuzzed worker calls that never heartbeat run out of attempts and FAIL.
        "[[operations]]",
        'include-method = "GET"',
        f"include-path-regex = {quoted(RESULT_PATHS)}",
        'checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]',
        "",
    ]
    if spare_key:
        for route in KEY_ROUTES:
            lines += ["[[operations]]", f"include-path = {quoted(route)}",
                      f"parameters = {{ \"path.id\" = {quoted(spare_key)} }}", ""]
    with open(path, "w") as handle:
        handle.write("\n".join(lines))


def schemathesis_command(
    base_url: str, config_path: str, report_dir: str, *, seed: int = DEFAULT_SEED,
    max_examples: int = DEFAULT_MAX_EXAMPLES, phases: str = DEFAULT_PHASES,
    workers: int = DEFAULT_WORKERS, max_time: int | None = None,
    include_worker_routes: bool = True, extra: list[str] | None = None,
) -> list[str]:
    command = [
        venv_bin("schemathesis"), "--config-file", config_path, "--no-color",
        "run", base_url + "/openapi.json",
        "--phases", phases,
        "--checks", "all",                 # the response-time check only runs with --max-response-time
        "--mode", "all",                   # positive and negative data
        "--max-examples", str(max_examples),
        "--seed", str(seed),
        "--workers", str(workers),
        "--request-timeout", "30",
        "--continue-on-failure",
        "--suppress-health-check", "all",
        "--generation-database", "none",   # no examples carried over between runs
        "--report", "ndjson",
        "--report-dir", report_dir,
    ]
    if max_time:
        command += ["--max-time", str(max_time)]
    if not include_worker_routes:
        command += ["--exclude-path-regex", WORKER_PATHS]
    return command + (extra or [])


def count_cases(output: str) -> int | None:
    """The number after 'Test cases:' in schemathesis' summary ('  5123 generated, ...')."""
    match = re.search(r"Test cases:\s*\n\s*(\d+) generated", output)
    return int(match.group(1)) if match else None


# Exceptions raised inside schemathesis or hypothesis themselves (a CI run once ended with
# "SystemError: AST constructor recursion depth mismatch" from hypothesis' ast.parse under 4
# workers, every generated case having passed): the fuzzer's own crash, not the server's answer.
TOOL_EXCEPTIONS = ("SystemError", "RecursionError")
# What an ERRORS section says when the server could not be reached or did not answer in time.
NETWORK_ERRORS = ("Network Error", "Connection", "timed out", "Timeout")


@dataclasses.dataclass
class FuzzResult:
    command: list[str]
    returncode: int
    output: str
    cases: int | None
    seconds: float
    report_dir: str

    @property
    def errors_section(self) -> str:
        """The output from its ERRORS heading on ('' when it has none)."""
        return self.output[self.output.index("ERRORS"):] if "ERRORS" in self.output else ""

    @property
    def crashed_on_its_own(self) -> bool:
        """True when the run failed only because the fuzzer crashed: no failure found, and an
        ERRORS section that names one of its own exceptions and no network trouble."""
        errors = self.errors_section
        if self.returncode in (0, -9) or not errors:
            return False
        final = self.output.strip().splitlines()[-1] if self.output.strip() else ""
        return ("failure" not in final and any(name in errors for name in TOOL_EXCEPTIONS)
                and not any(kind in errors for kind in NETWORK_ERRORS))


def run_schemathesis(base_url: str, api_key: str, worker_token: str | None, *, work_dir: str | None = None,
                     echo: bool = False, timeout: float = DEFAULT_TIMEOUT, **options) -> FuzzResult:
    """Runs `schemathesis run`; kills it after `timeout` seconds (returncode then -9)."""
    work_dir = work_dir or tempfile.mkdtemp(prefix="zoetrope-schemathesis-")
    os.makedirs(work_dir, exist_ok=True)
    config_path = os.path.join(work_dir, "schemathesis.toml")
    report_dir = os.path.join(work_dir, "report")
    guard = prepare_key_guard(base_url, api_key)
    write_config(config_path, api_key, worker_token, spare_key=guard.get("ZOETROPE_FUZZ_SPARE_KEY"))
    command = schemathesis_command(base_url, config_path, report_dir,
                                   include_worker_routes=bool(worker_token), **options)
    started = time.time()
    here = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, **guard, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": "openapi_fuzz",
           "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=work_dir, env=env)
    import threading

    killer = threading.Timer(timeout, process.kill)
    killer.start()
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if echo:
            sys.stdout.write(line)
            sys.stdout.flush()
    returncode = process.wait()
    killer.cancel()
    output = "".join(lines)
    if returncode == -9:
        output += f"\nschemathesis was killed after {timeout:.0f} s\n"
    return FuzzResult(command, returncode, output, count_cases(output), time.time() - started, report_dir)


def shell_line(command: list[str]) -> str:
    import shlex

    return " ".join(shlex.quote(part) for part in command)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--bin", help="a zoetrope binary to start a fuzzing server from (default: $ZOETROPE_BIN "
                                      "or .build/release/zoetrope)")
    target.add_argument("--url", help="base URL of a running server (needs --api-key)")
    parser.add_argument("--api-key", help="with --url: an admin key (a user key works; /v1/admin/… then fails with 403)")
    parser.add_argument("--worker-token", help="with --url: a worker token; without it /v1/worker/… is left out")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES)
    parser.add_argument("--phases", default=DEFAULT_PHASES)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--max-time", type=int, default=0,
                        help="schemathesis --max-time: keep fuzzing for this many seconds (default: off)")
    parser.add_argument("--min-cases", type=int, default=MIN_CASES)
    parser.add_argument("--work-dir", help="where schemathesis.toml and the ndjson report go (default: a temp dir)")
    parser.add_argument("extra", nargs="*", help="after --: more `schemathesis run` options")
    args = parser.parse_args(argv)

    server = None
    if args.url:
        if not args.api_key:
            parser.error("--url needs --api-key")
        base_url, api_key, worker_token = args.url.rstrip("/"), args.api_key, args.worker_token
    else:
        binary = args.bin or os.environ.get("ZOETROPE_BIN") or ".build/release/zoetrope"
        server = start_server(binary)
        base_url, api_key, worker_token = server.base_url, server.admin_key, server.worker_token
        print(f"fuzzing server at {base_url} (data directory {server.data_dir})", flush=True)
    try:
        document = fetch_document(base_url)
        try:
            validate_document(document)
        except Exception as error:  # noqa: BLE001 - any validator error fails the run
            print(f"FAIL: {base_url}/openapi.json is not valid OpenAPI: {error}", flush=True)
            return 1
        print(f"{base_url}/openapi.json validates (openapi-spec-validator)", flush=True)
        result = run_schemathesis(
            base_url, api_key, worker_token, work_dir=args.work_dir, echo=True, seed=args.seed,
            max_examples=args.max_examples, phases=args.phases, workers=args.workers,
            max_time=args.max_time or None, extra=args.extra)
        print(f"\nschemathesis command: {shell_line(result.command)}")
        print(f"generated test cases: {result.cases} in {result.seconds:.0f} s; exit code {result.returncode}; "
              f"ndjson report in {result.report_dir}", flush=True)
        if result.returncode != 0:
            return result.returncode
        if (result.cases or 0) < args.min_cases:
            print(f"FAIL: only {result.cases} test cases were generated; at least {args.min_cases} are required")
            return 1
        return 0
    finally:
        if server is not None:
            server.stop()


def list_keys(base_url: str, admin_key: str) -> list[dict]:
    request = urllib.request.Request(base_url + "/v1/admin/keys", headers={"x-api-key": admin_key})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["keys"]


KEY_ROUTES = ("/v1/admin/keys/{id}/revoke", "/v1/admin/keys/{id}/credits")


def prepare_key_guard(base_url: str, api_key: str) -> dict[str, str]:
    """Environment for the schemathesis process's key guard (see register_schemathesis_hooks):
    the ids of every key that exists before the run, and a spare key made for the fuzzer to
    revoke and meter instead of them. schemathesis feeds ids it saw in responses (GET
    /v1/admin/keys lists them) to POST /v1/admin/keys/{id}/revoke and …/credits; without the
    guard a run revokes or meters its own credentials and the rest of the run tests nothing but
    401s. Empty when the key is not an admin key."""

    def call(method: str, path: str, body: dict | None = None) -> dict | None:
        request = urllib.request.Request(
            base_url + path, method=method, headers={"x-api-key": api_key, "Content-Type": "application/json"},
            data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError:
            return None

    listed = call("GET", "/v1/admin/keys")
    if not listed:
        return {}
    spare = call("POST", "/v1/admin/keys", {"name": "fuzz-spare"})
    if not spare:
        return {}
    protected = [key["id"] for key in listed.get("keys", [])]
    return {"ZOETROPE_FUZZ_PROTECTED_KEYS": ",".join(protected), "ZOETROPE_FUZZ_SPARE_KEY": spare["id"]}


MODEL_PATH = re.compile(r"^/v[12]/[a-z0-9-]+$")


def spans_rules_ok(body) -> bool:
    """The rules across fields of a video model's body (the schema states each field alone):
    with multi_prompt, its shots' durations (default 5) add up to `duration` when given, else to
    3..15 s; `voice_ids` name voices the caller made (none exist in a fuzz run) and every
    <<<voice_N>>> tag needs its N-th id. Bodies of other shapes pass (they are checked as sent)."""
    if not isinstance(body, dict):
        return True
    if body.get("voice_ids"):
        return False
    shots = body.get("multi_prompt")
    shots = shots if isinstance(shots, list) else []
    prompts = [body.get("prompt")] + [shot.get("prompt") for shot in shots if isinstance(shot, dict)]
    if any(isinstance(text, str) and "<<<voice_" in text for text in prompts):
        return False
    if not shots or not all(isinstance(shot, dict) for shot in shots):
        return True
    try:
        total = sum(int(shot["duration"]) if shot.get("duration") is not None else 5 for shot in shots)
        duration = body.get("duration")
        if duration is None:
            return 3 <= total <= 15
        return int(duration) == total
    except (TypeError, ValueError):
        return True


def mend_rules(body: dict) -> dict:
    """`body` with the rules of spans_rules_ok kept: no voice ids or voice tags, and shots whose
    durations add up to `duration` (each shot 1 s, the first longer when needed)."""
    body = dict(body)
    body.pop("voice_ids", None)
    if isinstance(body.get("prompt"), str) and "<<<voice_" in body["prompt"]:
        body["prompt"] = body["prompt"].replace("<<<voice_", "voice ")
    shots = [dict(shot) for shot in body.get("multi_prompt") or []]
    for shot in shots:
        if isinstance(shot.get("prompt"), str):
            shot["prompt"] = shot["prompt"].replace("<<<voice_", "voice ")
    if shots:
        wanted = body.get("duration")
        total = int(wanted) if wanted is not None else max(3, min(len(shots), 15))
        shots = shots[:total]
        for index, shot in enumerate(shots):
            seconds = total - (len(shots) - 1) if index == 0 else 1
            shot["duration"] = str(seconds) if isinstance(shot.get("duration"), str) else seconds
        body["multi_prompt"] = shots
    return body


def serialize_ast_parse() -> None:
    """CPython 3.11 keeps the AST conversion's recursion counter per interpreter, not per thread:
    hypothesis describing lambdas (ast.parse of their source) on two of schemathesis' worker
    threads at once can stop the run with "SystemError: AST constructor recursion depth mismatch"
    (seen in CI runs, every generated case having passed). Parses here go one at a time."""
    import ast
    import threading

    if getattr(ast.parse, "one_at_a_time", False):
        return
    lock = threading.Lock()
    parse = ast.parse

    def serialized(*args, **kwargs):
        with lock:
            return parse(*args, **kwargs)

    serialized.one_at_a_time = True
    ast.parse = serialized


def register_schemathesis_hooks() -> None:
    """Run inside the schemathesis process (SCHEMATHESIS_HOOKS=openapi_fuzz):
    - a serializer for PUT /files/{key}'s video/mp4 body, which schemathesis has none for (raw
      bytes, as it sends application/octet-stream);
    - the key guard: a revoke or credit change aimed at a key that existed before the run goes
      to the spare key instead (same request otherwise), so the run keeps its credentials;
    - the rules of a video model's body that JSON Schema cannot state (see spans_rules_ok), which
      the document gives in words: positive bodies that break them are mended before sending;
    - one ast.parse at a time (serialize_ast_parse)."""
    import schemathesis

    serialize_ast_parse()

    @schemathesis.hook("before_call")
    def keep_rules_across_fields(ctx, case, **kwargs):
        # Every phase: a positive body that breaks a rule across fields is mended into a valid one.
        meta = getattr(case, "meta", None)
        positive = meta is not None and meta.generation.mode.is_positive
        if positive and MODEL_PATH.match(case.operation.path) and not spans_rules_ok(case.body):
            case.body = mend_rules(case.body)

    @schemathesis.serializer("video/mp4")
    def mp4_serializer(ctx, value):
        if isinstance(value, bytes):
            return {"data": value}
        if isinstance(value, str):
            return {"data": value.encode("utf-8", "surrogatepass")}
        return {"data": json.dumps(value).encode("utf-8")}

    protected = set(filter(None, os.environ.get("ZOETROPE_FUZZ_PROTECTED_KEYS", "").split(",")))
    spare = os.environ.get("ZOETROPE_FUZZ_SPARE_KEY")
    if protected and spare:

        @schemathesis.hook
        def before_call(ctx, case, **kwargs):
            if case.operation.path in KEY_ROUTES:
                # Any value whose path form names a protected key (a string, or a list or number a
                # negative case sends, which serializes to the same segment) goes to the spare key.
                value = (case.path_parameters or {}).get("id")
                rendered = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
                if any(key in rendered for key in protected):
                    case.path_parameters["id"] = spare


if __name__ == "__main__":
    sys.exit(main())
elif os.environ.get("SCHEMATHESIS_HOOKS") == __name__:
    register_schemathesis_hooks()
