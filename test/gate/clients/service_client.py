# An outside service through the HTTP service gate: two requests, each held until released.
import json
import os
import urllib.error
import urllib.request

base = os.environ['RACE_SERVICE_PRICE_FEED_URL']
out = {}
with urllib.request.urlopen(base + '/prices/tea') as res:
    out['price'] = json.loads(res.read())
req = urllib.request.Request(base + '/orders', data=json.dumps({'qty': 2}).encode(), method='POST', headers={'content-type': 'application/json'})
try:
    with urllib.request.urlopen(req) as res:
        out['order'] = {'status': res.status, 'body': json.loads(res.read())}
except urllib.error.HTTPError as e:
    out['order'] = {'status': e.code, 'body': e.read().decode()}
print(json.dumps(out))
