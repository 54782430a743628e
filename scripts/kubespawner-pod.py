"""What KubeSpawner makes of the values nixlab hub --target kubernetes wrote.

Usage: kubespawner-pod.py VALUES.yaml USER. Loads `hub.config` of the values the way the
zero-to-jupyterhub chart's hub does (as traitlets config), into the real kubespawner library;
fails when a KubeSpawner setting is not one of its traits or its value is refused; builds the pod
manifest for USER and prints {"pod": …, "traits": …} as JSON on stdout.
"""
import asyncio
import json
import os
import sys
import tempfile

# KubeSpawner loads a kube config when it is made (no cluster is asked for a manifest): one that
# names no reachable cluster, so nothing can leave this machine. Set before the imports, which
# read KUBECONFIG.
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: jhub}}]
current-context: none
"""
_tmp = tempfile.TemporaryDirectory()
os.environ.pop("KUBERNETES_SERVICE_HOST", None)
os.environ["KUBECONFIG"] = os.path.join(_tmp.name, "config")
with open(os.environ["KUBECONFIG"], "w") as f:
    f.write(KUBECONFIG)

import yaml  # noqa: E402
from kubernetes_asyncio.client import ApiClient  # noqa: E402
from kubespawner import KubeSpawner  # noqa: E402
from traitlets.config import Config  # noqa: E402


class User:
    def __init__(self, name):
        self.name = name
        self.id = 1
        self.url = f"/user/{name}/"
        self.escaped_name = name


class Hub:
    public_host = ""
    url = "http://hub:8081/hub/"
    base_url = "/hub/"
    api_url = "http://hub:8081/hub/api"


async def main(path, user):
    with open(path) as f:
        values = yaml.safe_load(f)
    settings = values["hub"]["config"]["KubeSpawner"]
    config = Config({"KubeSpawner": settings})
    spawner = KubeSpawner(config=config, user=User(user), hub=Hub(), _mock=True)
    traits = {}
    for name, value in settings.items():
        if not spawner.has_trait(name) or not spawner.trait_metadata(name, "config"):
            raise SystemExit(f"KubeSpawner has no setting {name!r}")
        got = getattr(spawner, name)
        if got != value and not (isinstance(value, list) and list(got) == value):
            raise SystemExit(f"KubeSpawner.{name} is {got!r}, not the value given ({value!r})")
        traits[name] = got
    # What the hub sets before a start: the server's API token and URL, in the environment.
    spawner.api_token = "token-for-the-manifest"
    pod = await spawner.get_pod_manifest()
    print(json.dumps({"pod": ApiClient().sanitize_for_serialization(pod), "traits": traits}, default=str))


try:
    asyncio.run(main(sys.argv[1], sys.argv[2]))
finally:
    _tmp.cleanup()
