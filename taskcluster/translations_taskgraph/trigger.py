"""`translations train CONFIG --task-group ID`: press the Train button from a terminal.

Reads the decision task's `public/actions.json`, renders the `train` action's hook
payload with the config as input (JSON-e, as the Taskcluster UI does) and triggers the
hook with the taskcluster client. Credentials come from the environment
(TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN).
"""

import json
import os
import urllib.error
import urllib.request

import jsone
import taskcluster

from pipeline.common.errors import UserError


def actions_json(root_url: str, decision_task_id: str) -> dict:
    url = f"{root_url}/api/queue/v1/task/{decision_task_id}/artifacts/public/actions.json"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise UserError(f"task group {decision_task_id}: no actions.json from its decision task ({url}: HTTP {error.code})") from None
    except urllib.error.URLError as error:
        raise UserError(f"{root_url}: cannot reach Taskcluster ({error.reason})") from None


def trigger_train(task_group_id: str, action_input: dict, env=os.environ) -> dict:
    """Trigger the Train action's hook for a task group; returns the hooks service's answer."""
    root_url = env.get("TASKCLUSTER_ROOT_URL", "").rstrip("/")
    if not root_url:
        raise UserError("TASKCLUSTER_ROOT_URL is not set: point it at your Taskcluster deployment")
    actions = actions_json(root_url, task_group_id)
    train = next((action for action in actions.get("actions", []) if action["name"] == "train"), None)
    if train is None:
        raise UserError(f"task group {task_group_id}: its decision task offers no train action")
    context = {"input": action_input, "taskId": None, "taskGroupId": task_group_id}
    payload = jsone.render(train["hookPayload"], {**actions.get("variables", {}), **context})
    options = taskcluster.optionsFromEnvironment({"rootUrl": root_url})
    return taskcluster.Hooks(options).triggerHook(train["hookGroupId"], train["hookId"], payload)
