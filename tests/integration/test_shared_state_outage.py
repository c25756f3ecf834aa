"""When the shared store (Redis) stops answering, signing in and the impact pages keep working.

Rate limits fall back to a count in each process and the figures are built afresh for each request, with the
failure logged, rather than every sign-in or report answering 500. Redis here is an address nothing listens on.
The app runs in a process of its own: the one Limiter keeps the storage (and the "storage is down" state) of
the last app it was given, which would leak into the other tests.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOBODY = "redis://127.0.0.1:1/0"  # port 1: refused at once

SCRIPT = """
import json, logging, re, sys
from matchmaker import create_app

settings = json.loads(sys.argv[1])
app = create_app({**settings, "ENV": "testing", "TESTING": True, "EMAIL_BACKEND": "memory",
                  "RATELIMIT_STORAGE_URI": settings["NOBODY"], "CACHE_TYPE": "RedisCache",
                  "CACHE_REDIS_URL": settings["NOBODY"], "IMPACT_CACHE_SECONDS": 3600})
logged = []
handler = logging.Handler()
handler.emit = lambda record: logged.append(record.getMessage())
logging.getLogger("matchmaker").addHandler(handler)
client = app.test_client()
statuses = []
for _ in range(6):
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    form = {"email": "nobody@example.org", "password": "a wrong guess", "csrf_token": token}
    statuses.append(client.post("/sign-in", data=form).status_code)
pages = [client.get(url).status_code for url in ("/impact", "/impact/open-data?format=json")]
print(json.dumps({"sign_ins": statuses, "pages": pages, "logged": logged}))
"""


def test_sign_in_and_the_impact_pages_answer_while_redis_is_down(app, tmp_path):
    settings = {k: app.config[k] for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "PASSWORD_HASH_METHOD")}
    settings.update({"NOBODY": NOBODY, "EMAIL_OUTBOX_DIR": str(tmp_path)})
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(settings)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["sign_ins"] == [200] * 5 + [429]  # still limited, counted in this process meanwhile
    assert seen["pages"] == [200, 200]
    assert any("The figures cache is not answering" in message for message in seen["logged"])
