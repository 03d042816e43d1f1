#!/bin/bash
# The README's shell examples run as printed (issue 18): every ```sh
# block, in order, as one reader would type them, in a scratch directory
# that holds the repository's files (build/ is $BUILD).  A command may
# be typed again until it works (a daemon still joining, a call still
# ringing), for 20 s at most; then it fails the test.  "$ CMD" lines
# are transcripts: CMD runs, and its output must match what follows it
# (a JSON line exactly; a table line by its first word).  `make test`
# is this run itself; `make run` is run in the background (when $BUILD
# is the repository's build/; else the daemon it starts) and stopped at
# the end, with every daemon the examples started.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
README=$ROOT/README.md
S=$T/sandbox
mkdir -p "$S/run"
for f in "$ROOT"/*; do
	case $(basename "$f") in
	build|var) ;;
	*) ln -s "$f" "$S/$(basename "$f")" ;;
	esac
done
ln -s "$BUILD" "$S/build"
export XDG_RUNTIME_DIR=$S/run

# What the examples make under /tmp, removed before and after.
SCRATCH="/tmp/n1 /tmp/n2 /tmp/n3 /tmp/n1.sock /tmp/n2.sock /tmp/n3.sock
    /tmp/en /tmp/en.sock /tmp/ca /tmp/alice.csr /tmp/tone.wav
    /tmp/heard.wav /tmp/bob.events"
examples_stop() {
	local s
	for s in /tmp/n1.sock /tmp/n2.sock /tmp/n3.sock /tmp/en.sock \
	    "$S/run/p2psipd.sock"; do
		[ -S "$s" ] && "$P2PSIPCTL" -s "$s" shutdown >/dev/null 2>&1
	done
	pkill -f -- "-o node.data_dir=/tmp/(n[123]|en) " 2>/dev/null
	[ -n "${RUN_PID:-}" ] && kill "$RUN_PID" 2>/dev/null
	pkill -f -- "$S/build/p2psipd -f" 2>/dev/null
	sleep 0.5
	rm -rf $SCRATCH
}
CLEANUP+=(examples_stop)
for p in 6084 5060 7001 7002 7003 7011; do
	! ss -Hltn "sport = :$p" | grep -q . ||
	    fail "port $p is taken: the README's examples need it free"
done
examples_stop

# The examples, one command a line (NUL-free JSON): {"cmd", "expect"}
# (expect: null, or a transcript's output lines).
python3 - "$README" >"$T/cmds.json" <<'EOF' || fail "cannot read README"
import json, re, subprocess, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"^```sh\n(.*?)^```\n", text, re.S | re.M)
out = []
def complete(cmd):
    if cmd.rstrip().endswith(("\\", "|")):
        return False
    return subprocess.run(["bash", "-n", "-c", cmd],
                          capture_output=True).returncode == 0
for b in blocks:
    lines = b.split("\n")[:-1]
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        transcript = line.startswith("$ ")
        cmd = line[2:] if transcript else line
        while not complete(cmd) and i < len(lines):
            cmd += "\n" + lines[i]
            i += 1
        expect = None
        if transcript:
            expect = []
            while i < len(lines) and not lines[i].startswith("$ "):
                expect.append(lines[i])
                i += 1
        out.append({"cmd": cmd, "expect": expect})
print(json.dumps(out))
EOF
n=$(jq length "$T/cmds.json")
[ "$n" -ge 20 ] || fail "only $n commands found in the README"

# matches OUT EXPECT: a transcript's output against what the README
# shows (JSON lines exactly; table lines by their first word).
matches() {
	local line key
	while IFS= read -r line; do
		case $line in
		''|'...') continue ;;
		'{'*) grep -qxF -- "$line" "$1" || return 1 ;;
		*)	key=${line%% *}
			awk -v k="$key" '$1 == k { f = 1 } END { exit !f }' \
			    "$1" || return 1 ;;
		esac
	done <"$2"
}

ran=0
for i in $(seq 0 $((n - 1))); do
	cmd=$(jq -r ".[$i].cmd" "$T/cmds.json")
	jq -r ".[$i].expect // empty | .[]" "$T/cmds.json" >"$T/expect"
	case $cmd in
	"make test"*)
		echo "  (make test: this is it)"
		continue ;;
	"make run"*)
		if [ "$BUILD" -ef "$ROOT/build" ]; then
			(cd "$S" && exec make run) >"$T/make-run.log" 2>&1 &
		else	# another build (make asan): what make run execs
			(cd "$S" && exec build/p2psipd -f) \
			    >"$T/make-run.log" 2>&1 &
		fi
		RUN_PID=$!
		EXTRA_PIDS+=($RUN_PID)
		ran=$((ran + 1))
		echo "  ran: make run (in the background)"
		continue ;;
	esac
	deadline=$(( $(now_ms) + 20000 ))
	while :; do
		(cd "$S" && timeout 30 bash -c "$cmd") >"$T/out" 2>"$T/err"
		rc=$?
		if [ "$rc" -eq 0 ] && { [ ! -s "$T/expect" ] ||
		    matches "$T/out" "$T/expect"; }; then
			break
		fi
		[ "$(now_ms)" -lt "$deadline" ] ||
		    fail "README example failed (exit $rc): $cmd
stdout: $(head -c 600 "$T/out")
stderr: $(head -c 600 "$T/err")
expected: $(head -c 300 "$T/expect")"
		sleep 0.5
	done
	ran=$((ran + 1))
	echo "  ran: ${cmd%%$'\n'*}"
done
ok "the README's $ran shell commands ran as printed"

# What they did: the tone bob heard, the message in his history.
heard /tmp/heard.wav 440 bob
grep -q ' call-incoming .*peer=sip:alice@' /tmp/bob.events ||
    fail "bob's events: $(head -c 300 /tmp/bob.events)"
ok "bob's UA rang (events) and heard alice's 440 Hz tone"
