"""Runs ONE original-style Python plugin for shotgun-events (docs/plugins.md, "Python plugins").

Started by electron/engine/python/python-host.ts as `python bridge.py`; speaks newline-delimited
JSON with it: requests on stdin, replies on the process's original stdout. Anything the plugin
prints goes to stderr, which the host logs, so a print() cannot break the protocol.

The plugin sees the original daemon's API: registerCallbacks(reg), reg.registerCallback(
sgScriptName, sgScriptKey, callback, matchEvents=None, args=None, stopOnError=True), reg.logger,
reg.getLogger(), reg.setEmails(...), callback(sg, logger, event, args). `sg` is a real
shotgun_api3.Shotgun when that module imports, else a stand-in (StandInShotgun below) that asks
the host's own ShotGrid client over the same pipe. Standard library only, Python 3.7+.
"""

import datetime
import importlib.util
import json
import logging
import os
import signal
import sys
import threading
import time
import traceback

# ------------------------------------------------------------------ the pipe

_OUT = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr
_IN = sys.stdin
_write_lock = threading.Lock()


def _json_default(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            # api3 takes naive datetimes as local time
            value = value.astimezone()
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return repr(value)


def send(msg):
    line = json.dumps(msg, default=_json_default)
    with _write_lock:
        _OUT.write(line + "\n")
        _OUT.flush()


_pending_inbox = []


def receive():
    """The next message from the host; None when the host closed the pipe."""
    if _pending_inbox:
        return _pending_inbox.pop(0)
    line = _IN.readline()
    if not line:
        return None
    return json.loads(line)


# ------------------------------------------------------------------ values as api3 shapes them

def _to_python(value):
    """JSON from the host → what shotgun_api3 returns: date-times become aware local datetimes."""
    if isinstance(value, str):
        if len(value) == 20 and value[10] == "T" and value.endswith("Z"):
            try:
                dt = datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                return value
            return dt.replace(tzinfo=datetime.timezone.utc).astimezone()
        return value
    if isinstance(value, list):
        return [_to_python(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_python(v) for k, v in value.items()}
    return value


def _event_to_python(event):
    """The original handed plugins the api3 record: created_at an aware datetime; the rest as is."""
    out = dict(event)
    created = out.get("created_at")
    if isinstance(created, str):
        out["created_at"] = _to_python(created)
    return out


# ------------------------------------------------------------------ logging to the host

_context = threading.local()


def _level_name(levelno):
    if levelno >= 50:
        return "critical"
    if levelno >= 40:
        return "error"
    if levelno >= 30:
        return "warning"
    if levelno >= 20:
        return "info"
    return "debug"


class HostHandler(logging.Handler):
    def emit(self, record):
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            msg = {
                "t": "log",
                "time": record.created * 1000.0,
                "level": _level_name(record.levelno),
                "logger": record.name,
                "message": message,
            }
            cb = getattr(_context, "callback", None)
            if cb is not None:
                msg["callback"] = cb
            ev = getattr(_context, "event_id", None)
            if ev is not None:
                msg["eventId"] = ev
            send(msg)
        except Exception:  # a log line must never break the plugin
            pass


# ------------------------------------------------------------------ the stand-in sg

_rpc_seq = [0]


class ShotgunError(Exception):
    """What the stand-in raises for a failed call (api3 raises shotgun_api3.Fault and friends)."""


class Fault(ShotgunError):
    pass


class AuthenticationFault(Fault):
    pass


def _call_host(server, script, key, session, method, args):
    _rpc_seq[0] += 1
    rid = _rpc_seq[0]
    send({"t": "call", "id": rid, "server": server, "script": script, "key": key, "session": session,
          "method": method, "args": args})
    while True:
        msg = receive()
        if msg is None:
            raise SystemExit(0)
        if msg.get("t") == "reply" and msg.get("id") == rid:
            if msg.get("ok"):
                return _to_python(msg.get("result"))
            err = msg.get("error") or {}
            cls = AuthenticationFault if err.get("name") == "AuthenticationError" else Fault
            raise cls(err.get("message", "the call failed"))
        if msg.get("t") == "level":
            _set_level(msg.get("level", 20))
        else:
            _pending_inbox.append(msg)


class StandInShotgun(object):
    """shotgun_api3.Shotgun's method surface, served by the shotgun-events engine's client."""

    def __init__(self, base_url, script_name=None, api_key=None, convert_datetimes_to_utc=True, http_proxy=None,
                 *args, **kwargs):
        if not script_name or not api_key:
            raise ValueError("the shotgun-events stand-in sg needs script_name and api_key (user logins are not supported)")
        self.base_url = base_url
        self.script_name = script_name
        self._key = api_key
        self.http_proxy = http_proxy
        self._session = None

    def __repr__(self):
        return "<shotgun-events stand-in Shotgun %s as %s>" % (self.base_url, self.script_name)

    def _call(self, method, **args):
        return _call_host(self.base_url, self.script_name, self._key, self._session, method, args)

    def set_session_uuid(self, session_uuid):
        self._session = session_uuid

    def info(self):
        return self._call("info")

    def find(self, entity_type, filters, fields=None, order=None, filter_operator=None, limit=0,
             retired_only=False, page=0, include_archived_projects=True, additional_filter_presets=None):
        return self._call("find", entity_type=entity_type, filters=filters, fields=fields, order=order,
                          filter_operator=filter_operator, limit=limit, retired_only=retired_only, page=page,
                          include_archived_projects=include_archived_projects)

    def find_one(self, entity_type, filters, fields=None, order=None, filter_operator=None, retired_only=False,
                 include_archived_projects=True, additional_filter_presets=None):
        rows = self.find(entity_type, filters, fields, order, filter_operator, 1, retired_only,
                         include_archived_projects=include_archived_projects)
        return rows[0] if rows else None

    def summarize(self, entity_type, filters, summary_fields, filter_operator=None, grouping=None,
                  include_archived_projects=True):
        return self._call("summarize", entity_type=entity_type, filters=filters, summary_fields=summary_fields,
                          filter_operator=filter_operator, grouping=grouping,
                          include_archived_projects=include_archived_projects)

    def create(self, entity_type, data, return_fields=None):
        return self._call("create", entity_type=entity_type, data=data, return_fields=return_fields)

    def update(self, entity_type, entity_id, data, multi_entity_update_modes=None):
        return self._call("update", entity_type=entity_type, entity_id=entity_id, data=data,
                          multi_entity_update_modes=multi_entity_update_modes)

    def delete(self, entity_type, entity_id):
        return self._call("delete", entity_type=entity_type, entity_id=entity_id)

    def revive(self, entity_type, entity_id):
        return self._call("revive", entity_type=entity_type, entity_id=entity_id)

    def batch(self, requests):
        return self._call("batch", requests=requests)

    def schema_read(self, project_entity=None):
        return self._call("schema_read", project_entity=project_entity)

    def schema_entity_read(self, project_entity=None):
        return self._call("schema_entity_read", project_entity=project_entity)

    def schema_field_read(self, entity_type, field_name=None, project_entity=None):
        return self._call("schema_field_read", entity_type=entity_type, field_name=field_name,
                          project_entity=project_entity)


def _install_stand_in_module():
    """`import shotgun_api3` in a plugin then gets the stand-in (plugins make their own connections)."""
    import types
    mod = types.ModuleType("shotgun_api3")
    mod.__version__ = "stand-in"
    mod.__file__ = __file__
    mod.Shotgun = StandInShotgun
    mod.ShotgunError = ShotgunError
    mod.Fault = Fault
    mod.AuthenticationFault = AuthenticationFault
    sys.modules["shotgun_api3"] = mod


# ------------------------------------------------------------------ the plugin's API

class Registration(object):
    def __init__(self, fn, name, script, key, match_events, args, stop_on_error, logger):
        self.fn = fn
        self.name = name
        self.script = script
        self.key = key
        self.match_events = match_events
        self.args = args
        self.stop_on_error = stop_on_error
        self.logger = logger


class Plugin(object):
    def __init__(self, name):
        self.name = name
        self.logger = logging.getLogger("plugin." + name)
        self.callbacks = []
        self.emails = None

    def setEmails(self, *emails):
        # The original took setEmails(True), setEmails(False) or setEmails('a@x', 'b@x') / a list.
        if len(emails) == 1 and isinstance(emails[0], bool):
            self.emails = emails[0]
        elif len(emails) == 1 and isinstance(emails[0], (list, tuple)):
            self.emails = [str(e) for e in emails[0]]
        else:
            self.emails = [str(e) for e in emails]

    def registerCallback(self, sgScriptName, sgScriptKey, callback, matchEvents=None, args=None, stopOnError=True):
        if not callable(callback):
            raise TypeError("The callback must be a callable object (function, method or callable class instance).")
        if hasattr(callback, "__name__"):
            name = callback.__name__
        elif hasattr(callback, "__class__") and hasattr(callback, "__call__"):
            # The original used ClassName_<id>; the id changes per process, and the name must be stable.
            name = callback.__class__.__name__
        else:
            raise ValueError("registerCallback should be called with a function or a callable object instance as callback argument.")
        taken = set(c.name for c in self.callbacks)
        unique, n = name, 2
        while unique in taken:
            unique, n = "%s_%d" % (name, n), n + 1
        if matchEvents is not None and not isinstance(matchEvents, dict):
            raise TypeError("matchEvents must be a dict like {'Shotgun_Task_Change': ['sg_status_list']} or None, got %r" % (matchEvents,))
        logger = logging.getLogger(self.logger.name + "." + name)
        self.callbacks.append(Registration(callback, unique, str(sgScriptName), str(sgScriptKey),
                                           matchEvents, args, bool(stopOnError), logger))


class Registrar(object):
    """What registerCallbacks receives: only logger, setEmails and registerCallback, as the original."""

    def __init__(self, plugin):
        self._plugin = plugin
        self._allowed = ["logger", "setEmails", "registerCallback"]

    def getLogger(self):
        return self.logger

    def __getattr__(self, name):
        if name in self._allowed:
            return getattr(self._plugin, name)
        raise AttributeError("type object '%s' has no attribute '%s'" % (type(self).__name__, name))


# ------------------------------------------------------------------ running

class CallbackTimeout(BaseException):
    """Raised in the callback when the host signals its time is up (SIGINT)."""


_in_callback = [False]


def _on_sigint(signum, frame):
    if _in_callback[0]:
        raise CallbackTimeout("the callback ran past its time limit")


def _set_level(level):
    logging.getLogger("plugin").setLevel(int(level))


def _match_json(value):
    """matchEvents as JSON: tuples/sets become lists; anything else is refused at load."""
    if value is None:
        return None
    out = {}
    for k, v in value.items():
        if not isinstance(k, str):
            raise TypeError("matchEvents keys must be event type strings, got %r" % (k,))
        if v is None or isinstance(v, str):
            out[k] = v
        elif isinstance(v, (list, tuple, set, frozenset)):
            out[k] = [str(x) for x in v]
        else:
            raise TypeError("matchEvents[%r] must be None, a string or a list of attribute names, got %r" % (k, v))
    return out


class Bridge(object):
    def __init__(self, init):
        self.init = init
        self.plugin = Plugin(init["name"])
        self.api3 = None
        self.api3_error = None
        self.connections = {}

    def sg_kind(self):
        if self.api3 is not None and getattr(self.api3, "__version__", None) != "stand-in":
            version = getattr(self.api3, "__version__", "?")
            where = os.path.dirname(getattr(self.api3, "__file__", "") or "")
            return "a real shotgun_api3.Shotgun (shotgun_api3 %s from %s)" % (version, where)
        return "the shotgun-events stand-in for shotgun_api3.Shotgun (shotgun_api3 is not importable: %s)" % self.api3_error

    def load(self):
        init = self.init
        if init.get("api3", True):
            try:
                import shotgun_api3
                self.api3 = shotgun_api3
            except Exception as e:  # ImportError, or a broken install
                self.api3_error = "%s: %s" % (type(e).__name__, e)
        else:
            self.api3_error = "disabled by the host"
        if self.api3 is None:
            _install_stand_in_module()
        path = init["file"]
        folder = os.path.dirname(path)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        try:
            spec = importlib.util.spec_from_file_location(init["name"], path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[init["name"]] = module
            spec.loader.exec_module(module)
        except BaseException as e:
            return self._load_error("Could not import the plugin at %s: %s: %s" % (path, type(e).__name__, e))
        reg_fn = getattr(module, "registerCallbacks", None)
        if not callable(reg_fn):
            return self._load_error("The plugin at %s has no registerCallbacks(reg) function" % path, detail=None)
        try:
            reg_fn(Registrar(self.plugin))
        except BaseException as e:
            return self._load_error("registerCallbacks of the plugin at %s failed: %s: %s" % (path, type(e).__name__, e))
        callbacks = []
        try:
            for i, c in enumerate(self.plugin.callbacks):
                callbacks.append({
                    "index": i,
                    "name": c.name,
                    "scriptName": c.script,
                    "matchEvents": _match_json(c.match_events),
                    "matchRules": "python",
                    "stopOnError": c.stop_on_error,
                    "timeoutMs": init["callbackTimeoutMs"],
                })
        except TypeError as e:
            return self._load_error("The plugin at %s: %s" % (path, e), detail=None)
        send({"t": "loaded", "result": {"ok": True, "callbacks": callbacks}, "emails": self.plugin.emails, "sg": self.sg_kind()})

    def _load_error(self, message, detail=True):
        d = traceback.format_exc() if detail else None
        result = {"ok": False, "error": message}
        if d and d.strip() != "NoneType: None":
            result["detail"] = d
        send({"t": "loaded", "result": result, "emails": None, "sg": self.sg_kind()})

    def connection(self, c):
        # One per script name and key, made on first use (the original made it at registration;
        # api3 connects when constructed, so a load would need the site).
        key = (c.script, c.key)
        sg = self.connections.get(key)
        if sg is None:
            server, proxy = self.init["server"], self.init.get("proxy")
            if self.api3 is not None:
                sg = self.api3.Shotgun(server, c.script, c.key, http_proxy=proxy)
            else:
                sg = StandInShotgun(server, c.script, c.key, http_proxy=proxy)
            self.connections[key] = sg
        return sg

    def run(self, msg):
        run_id = msg["run"]
        pos = -1
        stop = False
        for item in msg["items"]:
            event = _event_to_python(item["event"])
            for index in item["callbacks"]:
                pos += 1
                c = self.plugin.callbacks[index]
                started = time.time() * 1000.0
                t0 = time.perf_counter()
                send({"t": "start", "run": run_id, "pos": pos, "at": started})
                error = None
                _context.callback = c.name
                _context.event_id = event.get("id")
                try:
                    sg = self.connection(c)
                    if self.init.get("useSessionUuid") and hasattr(sg, "set_session_uuid"):
                        sg.set_session_uuid(event.get("session_uuid"))
                    _in_callback[0] = True
                    try:
                        c.fn(sg, c.logger, event, c.args)
                    finally:
                        _in_callback[0] = False
                except CallbackTimeout:
                    error = {"name": "TimeoutError", "message": "Callback %s timed out" % c.name, "timedOut": True}
                except BaseException as e:  # SystemExit too: the original's bare except caught it
                    tb = traceback.format_exc()
                    c.logger.critical("An error occured processing an event.\n\n%s", tb)
                    error = {"name": type(e).__name__, "message": "%s: %s" % (type(e).__name__, e), "stack": tb}
                finally:
                    _context.callback = None
                    _context.event_id = None
                end = {"t": "end", "run": run_id, "pos": pos, "dur": (time.perf_counter() - t0) * 1000.0}
                if error is not None:
                    end["error"] = error
                send(end)
                if error is not None and c.stop_on_error:
                    stop = True
                    break
            if stop:
                break
        send({"t": "done", "run": run_id})


def main():
    signal.signal(signal.SIGINT, _on_sigint)
    root = logging.getLogger()
    root.handlers[:] = [HostHandler()]
    root.setLevel(logging.DEBUG)
    init = receive()
    if init is None or init.get("t") != "init":
        return
    _set_level(init.get("logLevel", 20))
    bridge = Bridge(init)
    bridge.load()
    while True:
        msg = receive()
        if msg is None:
            return
        t = msg.get("t")
        if t == "run":
            bridge.run(msg)
        elif t == "level":
            _set_level(msg.get("level", 20))


if __name__ == "__main__":
    main()
