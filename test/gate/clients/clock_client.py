# The virtual clock from a process: read the time, sleep through the harness, read it again.
import json
import os
import urllib.request

base = os.environ['RACE_CLOCK_URL']


def call(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method='GET' if body is None else 'POST', headers={'content-type': 'application/json'})
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())


before = call('/now')['now']
woke = call('/sleep', {'ms': 3000, 'label': 'settlement'})['now']
print(json.dumps({'before': before, 'woke': woke}))
