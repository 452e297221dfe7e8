"""Facts about Function Compute 3.0 that fcctl relies on, with their sources, in one place.

Where the public sources disagree or are silent the entry says **unverified** and states the
policy fcctl takes, so it can be changed here once someone checks it against the live service.
Sources: FC 3.0 API reference (2023-03-30), the fields' docs in the SDK
``alibabacloud-fc20230330`` 4.8.x (``models/_create_function_input.py``), Serverless Devs ``fc3``,
Terraform ``alicloud_fcv3_function``. Imports only the standard library.
"""

from __future__ import annotations

API_VERSION = "2023-03-30"

# --- functions (SDK field docs of CreateFunctionInput) -------------------------------------
FUNCTION_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
# Environment variable names start with a letter (FC docs 配置环境变量: "必须以大小写字母开头").
# The page lists only letters and digits after it; `_` is allowed too (policy: FC's own FC_* and
# ALIBABA_CLOUD_* variables and every FC sample use it). The FC_ prefix is reserved (ENV_RESERVED_PREFIX).
ENV_VAR_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
TIMEOUT_RANGE_S = (1, 86400)
MEMORY_RANGE_MB = (128, 32768)
MEMORY_STEP_MB = 64
CPU_RANGE_VCPU = (0.05, 16.0)
CPU_STEP_VCPU = 0.05
# vCPU : memory (GB) between 1:1 and 1:4
CPU_MEMORY_RATIO = (1.0, 4.0)
DISK_SIZES_MB = (512, 10240)
INSTANCE_CONCURRENCY_RANGE = (1, 200)

# SDK docs of CreateFunctionInput.runtime (4.8.x). custom-container takes an image, the rest code.
RUNTIMES = (
    "nodejs12", "nodejs14", "nodejs16", "nodejs18", "nodejs20",
    "go1",
    "python3", "python3.9", "python3.10", "python3.12",
    "java8", "java11",
    "php7.2",
    "dotnetcore3.1",
    "custom", "custom.debian10", "custom.debian11", "custom.debian12",
    "custom-container",
)
CUSTOM_RUNTIMES = ("custom", "custom.debian10", "custom.debian11", "custom.debian12")
CONTAINER_RUNTIME = "custom-container"

# --- instance lifecycle hooks ----------------------------------------------------------------
# Hook timeout, whole seconds >= 1. FC docs 配额与使用限制: "Initializer最大运行时间 300s 不支持调整"
# (an error above it) and "PreStop最大运行时间 90s 支持调整" (a quota FC raises on request: fcctl
# warns above 90 s and the emulator accepts it). Terraform's 600/900 is only a client schema.
INITIALIZER_TIMEOUT_RANGE_S = (1, 300)
PRESTOP_TIMEOUT_RANGE_S = (1, 90)
# Default when a hook sets no timeout: what Serverless Devs fills in (unverified for FC itself).
DEFAULT_HOOK_TIMEOUT_S = 3
# The body that clears a hook on UpdateFunction (FC keeps omitted fields; Serverless Devs sends
# this to remove a hook). Whether `instanceLifecycleConfig: {}` clears anything is unverified:
# fcctl assumes it does not.
def cleared_hook() -> dict:
    return {"handler": "", "command": [], "timeout": DEFAULT_HOOK_TIMEOUT_S}


# HTTP contract of code-type hooks on custom runtimes / containers.
INITIALIZE_METHOD, INITIALIZE_PATH = "POST", "/initialize"
PRESTOP_METHOD, PRESTOP_PATH = "GET", "/pre-stop"

# --- update/wait semantics ---------------------------------------------------------------
# lastUpdateStatus: InProgress -> Successful | Failed.  state: Pending -> Active | Failed | Inactive
# (only meaningful for custom-container; built-in runtimes may stay Pending/null forever).
UPDATE_IN_PROGRESS, UPDATE_SUCCESSFUL, UPDATE_FAILED = "InProgress", "Successful", "Failed"
STATE_PENDING, STATE_ACTIVE, STATE_FAILED = "Pending", "Active", "Failed"
# Unverified: an update sent while the last one is InProgress. Policy: 409 ConcurrentUpdateError.
CONCURRENT_UPDATE_STATUS, CONCURRENT_UPDATE_CODE = 409, "ConcurrentUpdateError"

# --- rollout ------------------------------------------------------------------------------
# The environment variable whose change makes FC replace instances (kubectl's restartedAt).
# `plan` ignores it and `deploy` preserves it.
ROLLOUT_ENV = "FCCTL_ROLLOUT_ID"

# --- secrets --------------------------------------------------------------------------------
# Environment variable names containing one of these words have their values masked in output.
SECRET_NAME_WORDS = (
    "PASSWORD", "PASSWD", "PASS", "PWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE",
    "AUTH", "SIGNATURE", "DSN", "CONN", "SALT", "COOKIE", "CERT",
    "WEBHOOK", "APIKEY", "API_KEY",
)
# Words that mark a secret only as a whole part of the name between "_" (or "-", "."):
# GITHUB_PAT (a personal access token), but not PATH or PATTERN.
SECRET_NAME_PARTS = ("PAT",)
MASK = "***"


def is_secret_name(name: str) -> bool:
    """True when an environment variable's name looks like it holds a secret."""
    upper = name.upper()
    if any(word in upper for word in SECRET_NAME_WORDS):
        return True
    parts = upper.replace("-", "_").replace(".", "_").split("_")
    return any(part in SECRET_NAME_PARTS for part in parts)


def public_endpoint(region: str) -> str:
    """FC 3.0 control-plane host for a region (``fcv3.<region>.aliyuncs.com``)."""
    return f"fcv3.{region.strip()}.aliyuncs.com"


# --- custom runtime / container instance contract (local runner) ---------------------------
# Port FC sends requests to when customRuntimeConfig.port / customContainerConfig.port is unset
# (FC docs "custom runtime" / "custom container": default 9000). The server must listen on
# 0.0.0.0, not 127.0.0.1.
DEFAULT_CUSTOM_PORT = 9000
# Defaults when the spec leaves them unset (SDK field docs of CreateFunctionInput: timeout 3 s;
# memorySize default unverified, 128 MB is the policy for the local runner).
DEFAULT_FUNCTION_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128
# Event invocation of a custom runtime: POST /invoke, body = the event, Content-Type
# application/octet-stream (FC docs "Event handlers" of custom runtimes / custom containers).
INVOKE_METHOD, INVOKE_PATH = "POST", "/invoke"
# Instance environment of custom runtimes (FC docs "Configure environment variables": FC_*
# system variables). FC_SERVER_PORT is what FC's own samples read; both are set locally.
INSTANCE_ENV_NAMES = (
    "FC_FUNCTION_NAME", "FC_REGION", "FC_FUNCTION_HANDLER", "FC_FUNCTION_MEMORY_SIZE",
    "FC_INSTANCE_ID", "FC_SERVER_PORT", "FC_CUSTOM_LISTEN_PORT", "FC_ACCOUNT_ID",
    "FC_QUALIFIER", "FC_FUNC_CODE_PATH",
)
# Credential variables FC injects only when the function has a role; the local runner removes
# them from the inherited environment unless the user opts in.
CREDENTIAL_ENV_NAMES = (
    "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
)
# Request headers that carry credentials to the instance (FC custom runtime spec) — secrets.
CREDENTIAL_HEADERS = ("x-fc-access-key-id", "x-fc-access-key-secret", "x-fc-security-token")
# Error type header of an invocation whose Initializer failed (FC docs 函数实例生命周期回调 of custom
# runtimes: "响应头X-Fc-Error-Type:InitializationError").
ERROR_TYPE_HEADER = "x-fc-error-type"
INITIALIZATION_ERROR = "InitializationError"
UNHANDLED_INVOCATION_ERROR = "UnhandledInvocationError"
# A fake account id for local instances (x-fc-account-id / FC_ACCOUNT_ID).
LOCAL_ACCOUNT_ID = "1234567890123456"


# --- spec rules (added by the spec owner) -------------------------------------------------
# FC docs "Instance types and specifications": GPU instances are deployed only from container
# images, so a function with gpuConfig must use runtime custom-container. The cpu:memory ratio
# (CPU_MEMORY_RATIO) is documented for CPU (elastic) instances; GPU instances follow per-card
# tables (unverified here): fcctl does not apply the ratio to functions with gpuConfig.
GPU_RUNTIMES = ("custom-container",)
# ACR hosts whose region fcctl compares with the function's region: registry[-vpc].<region>.
# aliyuncs.com (personal edition), <instance>-registry[-vpc].<region>.cr.aliyuncs.com
# (enterprise edition). FC pulls ACR images from the function's own region.
ACR_HOST_PATTERN = (
    r"^(?:registry(?:-vpc)?\.(?P<r1>[a-z0-9-]+)\.aliyuncs\.com"
    r"|[a-z0-9][a-z0-9-]*-registry(?:-vpc)?\.(?P<r2>[a-z0-9-]+)\.cr\.aliyuncs\.com)(?:[/:]|$)"
)
# Regions in the SDK's endpoint table (alibabacloud-fc20230330 4.8.x client._endpoint_map). FC
# adds regions over time, so a region outside this list is only a warning (a typo is likely).
KNOWN_REGIONS = (
    "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-southeast-5", "ap-southeast-7", "cn-beijing", "cn-chengdu",
    "cn-hangzhou", "cn-hangzhou-finance", "cn-heyuan-acdr-1", "cn-hongkong", "cn-huhehaote",
    "cn-qingdao", "cn-shanghai", "cn-shanghai-finance-1", "cn-shenzhen", "cn-wulanchabu",
    "cn-zhangjiakou", "eu-central-1", "eu-west-1", "me-central-1", "us-east-1", "us-west-1",
)


# ============================================================================================
# Sections below are grouped by topic; each names its sources (docs/fc-facts.md has the full
# citation of every fact). Add a fact to the section it belongs to.
# ============================================================================================

# --- limits from FC's documentation (quotas, instance specifications, env vars) ----------------
# Sources, named in every message that enforces one of these limits (docs/fc-facts.md, "Limits").
DOC_QUOTAS = "FC docs 配额与使用限制 (fc-docs docs/zh-CN/02.云函数/01.开始使用/09.配额与使用限制.md)"
DOC_SPECS = "FC docs 实例类型和规格 (fc-docs docs/zh-CN/02.云函数/01.开始使用/06.实例类型和规格.md)"
DOC_ENV = "FC docs 配置环境变量 (fc-docs docs/zh-CN/02.云函数/04.功能说明/047.配置环境变量.md)"
DOC_CONCURRENCY = ("FC docs 配置单实例并发度 "
                   "(fc-docs docs/zh-CN/02.云函数/04.功能说明/034.配置单实例并发度.md)")
# The lines quoted from them (INITIALIZER_TIMEOUT_RANGE_S / PRESTOP_TIMEOUT_RANGE_S are above).
DOC_LINE_INITIALIZER = "Initializer最大运行时间 300s, 不支持调整 (cannot be raised)"
DOC_LINE_PRESTOP = "PreStop最大运行时间 90s, 支持调整 (a quota FC raises on request)"
DOC_LINE_ENV_NAME = "Key的字符集：必须以大小写字母开头 (names start with a letter)"
DOC_LINE_ENV_RESERVED = "不能使用系统预留的环境变量FC_* (FC_* is reserved)"
DOC_LINE_ENV_SIZE = "所有环境变量的大小总和不能超过4 KB (4 KB for all variables together)"
DOC_LINE_CONCURRENCY = "支持的运行环境：自定义运行时、自定义镜像 (custom runtimes and custom containers only)"
DOC_LINE_GPU = "GPU实例的vCPU与内存配置规则 (vCPU and memory per card, by gpuType)"
DOC_LINE_GPU_DISK = "磁盘大小：512MB；10 ~ 200GB，步长为10GB"

# Environment variables. FC_ is reserved; all variables together <= 4 KB. How FC counts the
# size is not documented — policy: the UTF-8 bytes of every name plus its value (no separators).
# fcctl's rollout marker (ROLLOUT_ENV = a rollout id, see deploy/rollout.py new_rollout_id) is
# counted by `validate` even when absent, so that `fcctl rollout` can never push a function over;
# the emulator (like FC) counts only the variables the function has.
ENV_RESERVED_PREFIX = "FC_"
ENV_TOTAL_MAX_BYTES = 4096
ROLLOUT_ID_LENGTH = len("20240101T000000Z-deadbeef")  # %Y%m%dT%H%M%SZ-<8 hex>


def env_size_bytes(env: dict) -> int:
    """Size of environment variables as fcctl counts it: UTF-8 bytes of each name + value."""
    return sum(len(str(k).encode("utf-8")) + len(str(v).encode("utf-8")) for k, v in env.items())


def rollout_marker_bytes() -> int:
    """What the rollout marker adds to env_size_bytes: its name plus a rollout id."""
    return len(ROLLOUT_ENV.encode()) + ROLLOUT_ID_LENGTH


# instanceConcurrency > 1 only on these runtimes (DOC_CONCURRENCY).
CONCURRENCY_RUNTIMES = CUSTOM_RUNTIMES + (CONTAINER_RUNTIME,)
# CPU instances (DOC_SPECS CPU table): MEMORY_RANGE_MB, CPU_RANGE_VCPU, CPU_MEMORY_RATIO and
# DISK_SIZES_MB above. GPU instances use the tables below instead (and no cpu:memory ratio).
# GPU memory of one card, MB (DOC_SPECS "GPU实例硬件规格概览", 显存容量).
GPU_CARD_MEMORY_MB = {
    "fc.gpu.tesla.1": 16 * 1024, "fc.gpu.ampere.1": 24 * 1024, "fc.gpu.ada.1": 48 * 1024,
    "fc.gpu.ada.2": 24 * 1024, "fc.gpu.ada.3": 48 * 1024, "fc.gpu.hopper.1": 96 * 1024,
    "fc.gpu.hopper.2": 141 * 1024, "fc.gpu.blackwell.1": 32 * 1024, "fc.gpu.xpu.1": 96 * 1024,
}
# "单实例最大卡数" where the table gives it; blank for the other types (no cap: policy).
GPU_MAX_CARDS = {"fc.gpu.tesla.1": 4, "fc.gpu.ampere.1": 8, "fc.gpu.xpu.1": 16}
# "实例规格设置为g1等同于设置为fc.gpu.tesla.1".
GPU_TYPE_ALIASES = {"g1": "fc.gpu.tesla.1"}
# Per card: (vCPU, memory low MB, memory high MB) rows of "GPU实例的vCPU与内存配置规则"; totals are
# per card x cards ("总 vCPU = 单卡 vCPU × 卡数，总内存 = 单卡内存 × 卡数"); memory in 4 GB steps.
_ADA = ((4, 16384, 32768), (8, 32768, 65536), (16, 65536, 122880))
GPU_VCPU_MEMORY_PER_CARD = {
    "fc.gpu.tesla.1": ((4, 4096, 16384), (8, 8192, 32768), (16, 16384, 65536)),
    "fc.gpu.ampere.1": ((8, 8192, 32768), (16, 16384, 32768)),
    "fc.gpu.ada.1": _ADA, "fc.gpu.ada.2": _ADA, "fc.gpu.ada.3": _ADA,
    "fc.gpu.hopper.1": ((4, 16384, 32768), (8, 32768, 65536), (16, 65536, 98304), (24, 98304, 122880)),
    "fc.gpu.hopper.2": ((4, 16384, 32768), (8, 32768, 65536), (16, 65536, 131072), (24, 98304, 253952)),
    "fc.gpu.blackwell.1": ((4, 16384, 32768), (8, 32768, 65536), (16, 65536, 122880), (24, 98304, 188416)),
    "fc.gpu.xpu.1": ((4, 16384, 49152), (8, 32768, 98304), (12, 49152, 122880)),
}
GPU_MEMORY_STEP_MB = 4096
# GPU disk: 512 MB, or 10-200 GB in 10 GB steps.
GPU_DISK_SMALL_MB = 512
GPU_DISK_RANGE_MB = (10240, 204800)
GPU_DISK_STEP_MB = 10240
# Part of a card (gpuMemorySize below one card's memory). The current tables list whole cards
# only, but FC accepted tesla.1 with gpuMemorySize 2048 (cpu 0.5, memory 512) and ampere.1 with
# 4096 (Terraform acceptance test resource_alicloud_fcv3_function_test.go, gpuConfig step), and
# FC docs 实时推理场景 (04.功能说明/133) deploys tesla.1 with gpuMemorySize 8192, cpu 2, memory 8192.
# Policy: a partial card of these types is accepted in 1024 MB steps and sized like a CPU
# function (MEMORY_RANGE_MB, CPU_RANGE_VCPU, no ratio); other types take whole cards only.
GPU_PARTIAL_CARD_TYPES = ("fc.gpu.tesla.1", "fc.gpu.ampere.1")
GPU_PARTIAL_STEP_MB = 1024

# --- code packages ---------------------------------------------------------------------------
# FC docs 配额与使用限制: a code package uploaded through the SDK/API (zip, base64-encoded) is at
# most 100 MB, and the base64 plus the rest of the request body must stay under it. Policy: MB read
# as MiB (as the emulator's body limit), with 256 KiB left for the rest of the body.
CODE_API_BODY_MAX_BYTES = 100 * 1024 * 1024
CODE_API_BODY_HEADROOM_BYTES = 256 * 1024
# Same page: packages from OSS (or the console) may be up to 500 MB.
CODE_OSS_MAX_BYTES = 500 * 1024 * 1024
# Policy (FC documents no unzipped-size limit): fcctl refuses to read a code directory whose
# regular files add up to more than 10 GiB (FC's largest diskSize), before reading any of them.
CODE_UNZIPPED_MAX_BYTES = 10 * 1024 * 1024 * 1024
# Policy: directories a `code:` path may never name (fcctl would upload them): error. Exact match
# for CODE_SYSTEM_DIRS, the directory or anything below it for CODE_SYSTEM_TREES; the user's home
# directory itself too. Elsewhere outside the spec's directory: a warning.
CODE_SYSTEM_DIRS = ("/", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/usr", "/var", "/opt",
                    "/home", "/srv", "/mnt", "/media", "/tmp", "/run", "/snap", "/root")
# Policy: credential directories under the home directory (ssh, Alibaba Cloud CLI, Serverless
# Devs' ~/.s, AWS, GnuPG, kube, docker, ~/.config) are errors as a `code:` path, and anything below them.
CODE_HOME_SECRET_TREES = (".ssh", ".aliyun", ".s", ".aws", ".gnupg", ".kube", ".docker", ".config",
                          ".alibabacloud", ".acs", ".local", ".cache", ".password-store")
CODE_SYSTEM_TREES = ("/etc", "/proc", "/sys", "/dev", "/boot", "/usr/bin", "/usr/sbin", "/usr/lib",
                     "/usr/share", "/usr/local", "/var/run", "/var/lib", "/var/log", "/var/spool",
                     "/var/mail", "/var/cache", "/run/secrets")

# --- secrets and output ----------------------------------------------------------------------
# Policy (docs/fc-facts.md "Secrets and output"): a secret value is scrubbed from free text only
# when it has at least this many characters; shorter ones are masked by field/name only (a 1-3
# character value would turn every "on" or "1" of the output into ***).
MIN_SCRUB_LENGTH = 4
# An AccessKey secret is 30 letters and digits (RAM docs "创建AccessKey"; the console shows
# LTAI… ids of 24 characters and secrets of 30). A value of that shape is treated as a secret.
ACCESS_KEY_SECRET_LENGTH = 30
# The spec key that marks any variable sensitive: top level (every function) or per function,
# a list of environment variable names.
SENSITIVE_KEY = "x-fcctl-sensitive"
# What plan shows for a sensitive value that changes (never "*** → ***").
SENSITIVE_CHANGED = "(sensitive value changed)"
REMOVED_VALUE_HIDDEN = "(value not shown)"  # a removed variable: fcctl cannot tell whether it was a secret

# --- emulator wire and request limits ------------------------------------------------------------
# FC docs 配额与使用限制 (fc-docs docs/zh-CN/02.云函数/01.开始使用/09.配额与使用限制.md): code sent
# through the SDK/API is base64 in the body, and the whole request body stays under 100 MB;
# FC docs "error codes": 400 EntityTooLarge "payload size exceeds maximum allowed size (%s bytes)".
# Unverified: whether FC's MB is 10^6 or 2^20 bytes; policy: 100 MiB.
REQUEST_BODY_MAX_BYTES = 100 * 1024 * 1024

# --- spec validation (names, triggers, handlers, roles) ----------------------------------------
# SDK alibabacloud-fc20230330 4.8 CreateTriggerInput.triggerType docs: the trigger types FC takes
# (the spec's TriggerType and the emulator's check; a test keeps them equal).
TRIGGER_TYPES = ("oss", "log", "timer", "http", "tablestore", "cdn_events", "mns_topic",
                 "eventbridge")
# A function's role is a full RAM role ARN, acs:ram::<account id>:role/<role name> (SDK
# CreateFunctionInput.role docs; FC does not expand a bare role name). Anything else: a warning.
# Trigger names (SDK CreateTriggerInput.triggerName docs): 1-128 letters, digits, _ or -, not
# starting with a digit or -. Names are matched with re.fullmatch (never `$`, which accepts "x\n").
TRIGGER_NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_-]{0,127}"
ROLE_ARN_PATTERN = r"acs:ram::[0-9]+:role/(?:[A-Za-z0-9._-]+/)*[A-Za-z0-9._-]{1,64}"
# Runtimes whose handler (and Initializer/PreStop handler) fcctl looks up in the code directory
# (file.function: FC docs 请求处理程序（Handler）（Python）/（Node.js）). fcctl/spec/handlers.py.
HANDLER_CHECKED_RUNTIME_PREFIXES = ("python", "nodejs")
# Timer trigger: @every <Go duration> of at least one minute (the console's interval is n ≥ 1
# minutes; policy for the API), or 6 cron fields, seconds first, with an optional
# CRON_TZ=<IANA zone> prefix (FC docs 定时触发器). fcctl/cron.py.
TIMER_EVERY_MIN_S = 60

# --- local runner ------------------------------------------------------------------------------
# FC's start-up health check: the instance's port must accept a TCP connection within 120 s
# ("Function instance health check failed on port 9001 in 120 seconds" — FC docs 错误处理
# (自定义运行时); GPU instance FAQ). The local runner's default readiness budget.
HEALTH_CHECK_WINDOW_S = 120
# Policy: a server slower than this to accept connections gets a warning (cold starts add up).
SLOW_READY_WARNING_S = 10
# Request payload limits (FC docs 配额与使用限制: 同步调用 32 MB, 异步调用 128 KB — raisable to
# 256 KB by ticket). `fcctl local invoke --data/--data-file` is a synchronous invocation.
SYNC_INVOKE_PAYLOAD_MAX_BYTES = 32 * 1024 * 1024
ASYNC_INVOKE_PAYLOAD_MAX_BYTES = 128 * 1024
# Policy: the local runner reads at most this much of an instance's answer (FC's response
# limit is not in the quota table; the synchronous request limit is used).
LOCAL_RESPONSE_MAX_BYTES = SYNC_INVOKE_PAYLOAD_MAX_BYTES
# Custom runtime hook answers (FC docs 函数实例生命周期回调（自定义运行时） "回调错误码"):
# 400/404 from the Initializer: the request is not re-sent (FC keeps retrying the Initializer
# before later invocations); 400/404 from PreStop: no effect on the stop; 500: FC restarts the
# instance.
HOOK_NOT_RESENT_STATUSES = (400, 404)
HOOK_RESTART_STATUS = 500


def hook_is_set(hook) -> bool:
    """THE rule for "is this lifecycle hook configured" (spec, deploy, emulator, runner).

    A hook (a mapping, or an object with ``handler`` / ``command`` attributes) is set iff its
    ``handler`` has a non-blank character or its ``command`` is a non-empty list. FC's docs say
    a non-empty handler enables the hook; policy: a whitespace-only handler counts as NOT set
    (it names nothing and cannot be meant), and ``fcctl validate`` reports it as an error.
    """
    from collections.abc import Mapping

    if hook is None:
        return False
    if isinstance(hook, Mapping):
        handler, command = hook.get("handler"), hook.get("command")
    else:
        handler, command = getattr(hook, "handler", None), getattr(hook, "command", None)
    if isinstance(handler, str) and handler.strip():
        return True
    return isinstance(command, (list, tuple)) and len(command) > 0


# --- updates: nested objects, removed fields, tags ---------------------------------------------
# FC keeps every field an UpdateFunction body omits, also the sub-keys of a nested object it
# merges (FC docs 配置实例生命周期: "需要将回调函数的handler参数以及command显示置空，否则后端默认不
# 更新"; Serverless Devs fc3 commit 929fcb9 and src/default/config.ts FC_RESOURCES_EMPTY_CONFIG,
# "为了覆盖线上的配置"). To remove a field, fcctl sends its explicit empty. The bodies below are
# fc3's, plus fcctl's policy for the fields fc3 does not list (marked "policy").
CLEARED_EMPTY = {
    "description": "",
    "role": "",
    "environmentVariables": {},
    "layers": [],
    "vpcConfig": {"securityGroupId": "", "vSwitchIds": [], "vpcId": ""},
    "nasConfig": {"groupId": 0, "userId": 0, "mountPoints": []},
    "logConfig": {"enableInstanceMetrics": False, "enableRequestMetrics": False,
                  "logBeginRule": "None", "logstore": "", "project": ""},
    "ossMountConfig": {"mountPoints": []},
    "instanceIsolationMode": "SHARE",
    "sessionAffinity": "NONE",
    # fc3 929fcb9: command/args/entrypoint default to [] on update
    "customRuntimeConfig": {"command": [], "args": []},
    "customContainerConfig": {"command": [], "entrypoint": []},
    # policy (fc3 sends tracingConfig {}, which a key-by-key merge ignores)
    "tracingConfig": {"type": "", "params": {}},
    "customDNS": {"nameServers": [], "searches": [], "dnsOptions": []},  # policy
    "polarFsConfig": {"mountPoints": []},  # policy
    "juiceFsConfig": {"envs": {}, "mountPoints": []},  # policy
    "sessionAffinityConfig": "",  # policy
    "disableOndemand": False,  # policy (fc3 plan treats false as FC's read-back default)
    "enableLongLiving": False,  # policy
}
# Scalars FC fills in when a function is created without them (Terraform marks them Computed).
# A removed one keeps its live value: plan says so. Value: FC's documented default (SDK
# CreateFunctionInput docs: timeout 3; FC docs: diskSize 512, instanceConcurrency 1,
# internetAccess true; memorySize: fcctl's policy DEFAULT_MEMORY_MB; cpu: default_cpu()), or None
# when unknown (then plan always names the kept value).
KEPT_WHEN_REMOVED = {
    "timeout": 3, "diskSize": 512, "instanceConcurrency": 1, "internetAccess": True,
    "memorySize": DEFAULT_MEMORY_MB, "cpu": None, "idleTimeout": None,
    # SDK docs: "None: Injects STS tokens in all methods" (the behaviour without the field)
    "disableInjectCredentials": "None",
    "gpuConfig": None, "microSandboxConfig": None,
}


def default_cpu(memory_mb: float) -> float:
    """Policy (unverified; the API default is undocumented): the cpu FC picks when a function is
    created without one, the smallest multiple of 0.05 vCPU within the 1:4 ratio (the emulator's
    rule). Plan names a kept cpu only when it differs from this."""
    import math

    want = max(CPU_RANGE_VCPU[0], (memory_mb / 1024) / CPU_MEMORY_RATIO[1])
    return round(math.ceil(round(want / CPU_STEP_VCPU, 6)) * CPU_STEP_VCPU, 2)


# Sub-keys FC fills in inside a nested object (Terraform: Computed). Omitted by the spec they keep
# their live value; they never make a live object "set". Value: the known default, or None.
DEFAULTED_SUBKEYS = {
    "customRuntimeConfig.port": 9000, "customContainerConfig.port": 9000,
    "customContainerConfig.accelerationType": None,
    "nasConfig.userId": None, "nasConfig.groupId": None,
    "polarFsConfig.userId": None, "polarFsConfig.groupId": None,
    # enable*Metrics are not here: FC's empty is false (fc3 FC_RESOURCES_EMPTY_CONFIG), so a
    # removed `true` is cleared to false like any other field the spec no longer sets.
    "logConfig.logBeginRule": None,
    # Terraform alicloud_fcv3_function docs: health check defaults (all Computed)
    **{f"{cfg}.healthCheckConfig.{k}": v
       for cfg in ("customRuntimeConfig", "customContainerConfig")
       for k, v in (("failureThreshold", 3), ("initialDelaySeconds", 0), ("periodSeconds", 3),
                    ("successThreshold", 1), ("timeoutSeconds", 1))},
}
# The fields fcctl manages: every key of UpdateFunctionInput (SDK 4.8.3 models). A key FC returns
# that is not one of these (resourceGroupId, output-only fields, new fields) is never compared.
UPDATABLE_FIELDS = frozenset({
    "cpu", "customContainerConfig", "customDNS", "customRuntimeConfig", "description",
    "disableInjectCredentials", "disableOndemand", "diskSize", "enableLongLiving",
    "environmentVariables", "gpuConfig", "handler", "idleTimeout", "instanceConcurrency",
    "instanceIsolationMode", "instanceLifecycleConfig", "internetAccess", "juiceFsConfig",
    "layers", "logConfig", "memorySize", "microSandboxConfig", "nasConfig", "ossMountConfig",
    "polarFsConfig", "role", "runtime", "sessionAffinity", "sessionAffinityConfig", "timeout",
    "tracingConfig", "vpcConfig",
})
# Maps whose keys are the user's (replaced whole, never merged key by key). fc3 relies on
# environmentVariables {} removing every variable.
USER_MAPS = frozenset({"environmentVariables", "tracingConfig.params", "juiceFsConfig.envs"})
# Write-only fields: FC does not (reliably) return them on GetFunction (the API's RegistryAuthConfig
# example shows password "abc***"). Policy: never compared; sent on create and whenever anything
# else in the enclosing top-level object changes (the spec's whole object is sent).
WRITE_ONLY = frozenset({"customContainerConfig.registryConfig.authConfig",
                        "microSandboxConfig.registryConfig.authConfig"})
# Tags: TagResources POST /2023-03-30/tags-v2, UntagResources DELETE /2023-03-30/tags-v2,
# ListTagResources GET /2023-03-30/tags-v2 (SDK alibabacloud-fc20230330 client.py). fc3 sends
# ResourceType "function"/"FUNCTION"; the emulator accepts either case.
TAG_RESOURCE_TYPE = "function"
MAX_TAGS_PER_RESOURCE = 20  # fc3 checkTags: "The number of tags cannot exceed 20"
MAX_UNTAG_KEYS = 50  # SDK UntagResourcesRequest.tag_key: "up to 50 tag keys"
# System tags (Alibaba Cloud tag docs: keys starting with "acs:" or "aliyun" are reserved):
# never removed by fcctl.
SYSTEM_TAG_PREFIXES = ("acs:", "aliyun")

# --- rollout, instances, errors, provisioning ---------------------------------------------------
# ListInstances (SDK alibabacloud-fc20230330 models/_instance_info.py): "If the instance is under
# the LATEST alias… the returned version number is 0"; the older EN API example shows "LATEST".
LATEST_QUALIFIER = "LATEST"
LATEST_VERSION_IDS = ("0", "LATEST")
# Instance states of FC's instance-event page (fc-docs 131.实例级别事件.md): Creating, Running,
# Destroyed, Error ("即将被销毁"). ListInstances documents no enum: policy — only Destroyed (or a
# destroyedTimeMs) means gone; any other spelling counts as still active and is named in output.
INSTANCE_CREATING, INSTANCE_RUNNING, INSTANCE_DESTROYED, INSTANCE_ERROR = (
    "Creating", "Running", "Destroyed", "Error")
INSTANCE_KNOWN_STATES = (INSTANCE_CREATING, INSTANCE_RUNNING, INSTANCE_DESTROYED, INSTANCE_ERROR)
INSTANCE_GONE_STATES = (INSTANCE_DESTROYED,)
# ListInstances has `limit` but its output no continuation token (SDK _list_instances_output.py);
# the default and the maximum are undocumented. Policy: ask for 100 (the maximum of FC 3.0's other
# list calls, e.g. ListFunctionsRequest.limit "Maximum value: 100") and warn when the answer is
# that full.
LIST_INSTANCES_LIMIT = 100
# Retry classification. Terraform's alicloud NeedRetry retries any code matching ^Throttling.*,
# Rejected.Throttling and ServiceUnavailable whatever the HTTP status; FC's own codes
# ResourceExhausted (429) / ResourceThrottled (503) (FC 2.0 error list, fc-docs 048.GPU实例FAQ.md).
RETRYABLE_CODE_PREFIXES = ("Throttling",)
RETRYABLE_CODES = ("Rejected.Throttling", "ServiceUnavailable", "ResourceExhausted",
                   "ResourceThrottled", "InternalServerError", "RequestTimeout")
# Policy (unverified): which answer FC gives to an UpdateFunction while the last one is
# InProgress is undocumented. 409 ConcurrentUpdateError ("请您不要同时更新同一个服务") and 412
# PreconditionFailed ("the resource being modified has been changed") both exist (FC 3.0 error
# codes); fcctl treats either as "busy: wait for lastUpdateStatus, then send again".
UPDATE_BUSY_CODES = ("ConcurrentUpdateError", "PreconditionFailed")
# The SDK's default read timeout is 10 s connect / 60 s read (darabonba RuntimeOptions); a sync
# invocation may run for the function's `timeout` (up to 86400 s). Read timeout for InvokeFunction:
# the function's timeout plus this margin, in seconds.
INVOKE_READ_TIMEOUT_MARGIN_S = 30
# Policy (status unverified): DeleteFunction is refused while triggers exist — FunctionNotEmpty
# "function '%s' has active triggers" (FC 3.0 error codes, status listed as 0) — and while a
# provision config exists — ProvisionConfigExist (Serverless Devs fc3 remove retries it). fcctl
# and the emulator use 409 for both (a state conflict, like ConcurrentUpdateError).
FUNCTION_NOT_EMPTY_STATUS, FUNCTION_NOT_EMPTY_CODE = 409, "FunctionNotEmpty"
PROVISION_CONFIG_EXIST_STATUS, PROVISION_CONFIG_EXIST_CODE = 409, "ProvisionConfigExist"
# Provisioning only on LATEST or an alias (fc-docs 045.配置最小实例数弹性策略.md:
# "仅支持为函数别名或LATEST版本设置最小实例数弹性策略"); a version number → 400 InvalidArgument.
# Policy: invoking through an alias whose version was deleted (fc-docs 024.版本管理.md: "如果调用指向
# 当前版本的别名会提示错误") answers 404 VersionNotFound.
ALIAS_TO_DELETED_VERSION_CODE = "VersionNotFound"
# Image acceleration (customContainerConfig.accelerationInfo.status): "Preparing" or "Ready"
# (FC open-api 2021-04-06 SDK AccelerationInfo doc: "镜像加速状态，取值 Preparing 或 Ready"; the FC3
# SDK's example is "Ready"). Policy: a container update is settled only when it is not Preparing.
ACCELERATION_PREPARING, ACCELERATION_READY = "Preparing", "Ready"
# Old instances may outlive an update (named policies, the emulator models each; docs/emulator.md):
# - in-flight: a request running on the old configuration finishes first (fc-docs 002.HTTP触发器概述.md
#   "已经在执行中的请求仍然使用原来的配置运行直到执行结束");
# - rotation: provisioned (minimum) instances are destroyed only after their successors are healthy
#   (fc-docs FunArt 04.为ComfyUI项目发布线上服务.md "新实例健康检查通过后销毁旧实例");
# - session affinity: an instance bound to a session keeps serving it until the session ends
#   (the emulator models it as a test knob; FC's exact behaviour is undocumented).
OLD_INSTANCE_POLICIES = ("in-flight", "rotation", "session-affinity")

# --- credentials and the terminal (ux) ---------------------------------------------------------
# `fcctl emulator serve`'s default port: not FC's default custom-runtime/container port
# (DEFAULT_CUSTOM_PORT, 9000), which `fcctl local` apps listen on (docs/fc-facts.md).
EMULATOR_DEFAULT_PORT = 9100

# --- invoke, list, delete (observe) ------------------------------------------------------------
# FC's function error types, answered as HTTP 200 with X-Fc-Error-Type (FC docs 错误处理 /
# SDK InvokeFunctionResponse headers); `fcctl invoke` exits 1 on any of them.
INVOKE_ERROR_TYPES = ("InitializationError", "UnhandledInvocationError", "HandledInvocationError")
# Policy (unverified): a 200 whose JSON body holds `errorMessage` but no X-Fc-Error-Type header is
# a failed invocation too; fcctl names it by the body's `errorType`, else this.
INVOKE_BODY_ERROR_TYPE = "UnhandledInvocationError"
# Policy: `fcctl delete` removes a provision config with DeleteProvisionConfig (not
# PutProvisionConfig defaultTarget 0), on LATEST and on every alias (the qualifiers FC accepts).
DELETE_PROVISION_QUALIFIER_LATEST = "LATEST"
# ListFunctions' largest page (SDK ListFunctionsRequest.limit: 1-100).
LIST_FUNCTIONS_PAGE_MAX = 100

# --- aliases and provisioning in the spec (aliases) ---------------------------------------------
# Alias names (FC CreateAlias doc / fc-docs 025.别名管理.md): 1-128 letters, digits, _ or -, not
# starting with a digit or -; LATEST is FC's own qualifier, never an alias (same rule as the
# emulator, fcctl/emulator/versions.py).
ALIAS_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$"
# A published version in a qualifier: its number (FC PublishFunctionVersion answers versionId "1", "2"…).
VERSION_QUALIFIER_PATTERN = r"^[0-9]+$"
# PutProvisionConfigInput.defaultTarget / target / ScheduledAction.target (SDK alibabacloud-fc20230330
# models/_put_provision_config_input.py: "Valid values: 0 to 10000").
PROVISION_TARGET_RANGE = (0, 10000)
# TargetTrackingPolicy.metricType (SDK models/_target_tracking_policy.py).
PROVISION_METRIC_TYPES = ("ProvisionedConcurrencyUtilization", "CPUUtilization", "GPUMemUtilization")
# ScheduledAction.scheduleExpression: FC's examples are cron(0 0 22 * * *) (API ScheduledAction,
# 2023-03-30) and at(...) one-off times (fc-docs 045.配置最小实例数弹性策略.md). Policy: the inside of
# cron(...) is checked as FC's 6-field cron (seconds first, the form of the FC 3.0 PutProvisionConfig
# API example and of timer triggers; fcctl/cron.py) - FC 2.0's 5-field example cron(0/30 * * * *)
# (API ScheduledActions, 2021-04-06) is accepted as seconds 0 - and the inside of at(...) as one
# ISO date-time (spec.rules.schedule_problem).
SCHEDULE_EXPRESSION_PATTERN = r"^(cron|at)\((\S.*\S|\S)\)$"
# startTime/endTime: ISO 8601 as FC's examples (2023-03-10T10:10:10Z); without timeZone they are
# UTC (SDK ScheduledAction.time_zone doc). Policy: a trailing Z or ±hh:mm is optional.
PROVISION_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?$"

# --- releases: publish, canary, rollback, rollout of an alias (release) -------------------------
# Where `fcctl release --rollback` finds "previous": FC keeps no alias history (SDK models/_alias.py
# has only versionId, additionalVersionWeight, description), so the published version's own
# description records the alias's version before it ("…; previous version N"). Policy.
RELEASE_PREVIOUS_MARK = "previous version"
# FC names the version that served an invocation (FC InvokeFunction response header
# X-Fc-Invocation-Service-Version: "LATEST" or the version number).
INVOKE_VERSION_HEADER = "x-fc-invocation-service-version"
# A release probe counts against the new version when that header names it; a response without
# the header counts too (policy: never let an unattributable failure pass).
RELEASE_PROBE_ATTRIBUTION = "served-version-header-else-all"
# Policy: a probed step invokes until --probe-count probes reached the new version, at most
# this many invocations (and 3 × count × 100/percent); none reached it → the step fails and the
# alias is rolled back (an unverified version is never promoted).
RELEASE_MAX_PROBE_ATTEMPTS = 1000
# Policy: FC's UpdateAlias has no precondition (no etag); before each alias move of a release,
# fcctl re-reads the alias and stops (exit 1, nothing more changed) when it is not as the
# release left it — two releases at once cannot both report success.
RELEASE_ALIAS_GUARD = "re-read-before-move"


# --- emulator: versions, aliases and their instances (emureleases) -----------------------------
# Version ids are monotonic per function and never reused, also after DeleteFunctionVersion
# (fc-docs 024.版本管理.md "版本号单调递增，不会被重复使用").
# Policy (unverified): PublishFunctionVersion with no change since the last version is allowed
# and makes a new version (FC documents no refusal); `fcctl release` avoids empty versions itself.
PUBLISH_UNCHANGED_POLICY = "allowed"
# Policy (unverified): PublishFunctionVersion and DeleteFunction while lastUpdateStatus is
# InProgress → 409 ConcurrentUpdateError (as UpdateFunction; no source says what FC answers).
IN_PROGRESS_CONFLICT_ACTIONS = ("UpdateFunction", "PublishFunctionVersion", "DeleteFunction")
# Policy (unverified): an alias may name several additionalVersionWeight versions whose weights
# sum to at most this (the console offers one 灰度版本, fc-docs 023.别名管理.md; the API takes a map);
# more → 400 InvalidArgument. A weight naming the alias's own versionId → 400 (FC 2.0's
# AdditionalVersionContainsMajorVersion).
ALIAS_WEIGHTS_SUM_MAX = 1.0
# Policy (unverified): when an alias with a provision config moves to another version, the new
# version's provisioned instances are started and pass their Initializer before the old version's
# are released through PreStop ("make-before-break", like the rotation policy of an update of
# LATEST); when the new ones fail their Initializer, the old ones stay.
PROVISIONED_ALIAS_MOVE_POLICY = "make-before-break"
# Policy (unverified): a provisioned instance whose Initializer has not finished when it is no
# longer wanted (scale-in, the alias moved again, config deleted) is destroyed without PreStop
# (it never served; FC documents PreStop for instances being released after serving).
CREATING_INSTANCE_DISCARD_POLICY = "no-prestop"
# After an alias moves, the old version's on-demand instances get no more traffic through it and
# are reclaimed through PreStop when idle for the function's `idleTimeout` (seconds; SDK
# CreateFunctionInput/Function.idle_timeout "the instance deferred release time", part of a
# version's snapshot) or, when unset, the emulator's --idle-timeout.

# --- logs: Simple Log Service, hook lines, instance events (logs) ------------------------------

# Hook lines in the function log (topic FCLogs:<function>): fc-docs 040.配置实例生命周期.md example
# log, the Python runtime's LOG_TAIL_*_PREFIX constants ("FC Initialize Start RequestId: ").
SLS_HOOK_LINES = {
    "initialize_start": "FC Initialize Start RequestId: {rid}",
    "initialize_end": "FC Initialize End RequestId: {rid}",
    "prestop_start": "FC PreStop Start RequestId: {rid}",
    "prestop_end": "FC PreStop End RequestId: {rid}",
}
SLS_FUNCTION_TOPIC = "FCLogs:{function}"  # FC 3.0 function log topic (devsapp/fc3 logs)
SLS_EVENT_TOPIC = "FCInstanceEvents:/{function}"  # fc-docs 131.实例级别事件.md
# fc-docs 131.实例级别事件.md 事件类型 (the subset the emulator models)
SLS_INSTANCE_EVENT_TYPES = {
    "creating": "fc:Instance:Creating",
    "init_ok": "fc:Instance:InitializationSuccess",
    "init_failed": "fc:Instance:InitializationFailed",
    "destroyed": "fc:Instance:DestroySuccess",
}
SLS_PUBLIC_ENDPOINT = "{region}.log.aliyuncs.com"  # SDK alibabacloud-sls20201230 _endpoint_map
# Policy (unverified): how long `rollout --logs` waits for late PreStop lines (SLS indexing delay).
SLS_LATE_LINES_WAIT_S = 30.0
SLS_LATE_LINES_POLL_S = 2.0
# Policy: `logs --follow` polls this often and stops after this many polls (or Ctrl-C).
SLS_FOLLOW_POLL_S = 2.0
SLS_FOLLOW_MAX_POLLS = 1800

# --- output documents and events (design) --------------------------------------------------------
