"""Runs a command on a pseudo-terminal, as if typed at a shell, and answers its prompts.

usage: python3 run-in-pty.py ANSWERS_JSON -- COMMAND [ARG...]
ANSWERS_JSON is a list of [prompt, reply]: once the output so far ends with `prompt` (after the
previous answer), `reply` is typed. Prints {"status": exit code, "transcript": all output} as JSON.
Used by tests that need a real terminal (echo, raw mode), which a pipe cannot give.
"""
import json
import os
import pty
import select
import sys
import time

answers = json.loads(sys.argv[1])
command = sys.argv[sys.argv.index("--") + 1 :]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

transcript = b""
seen = 0
deadline = time.time() + 120
while True:
    if time.time() > deadline:
        os.kill(pid, 9)
        break
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        transcript += chunk
    if answers and transcript[seen:].rstrip(b" ").endswith(answers[0][0].encode().rstrip(b" ")):
        seen = len(transcript)
        os.write(fd, answers.pop(0)[1].encode())

_, status = os.waitpid(pid, 0)
print(json.dumps({"status": os.waitstatus_to_exitcode(status), "transcript": transcript.decode("utf8", "replace")}))
