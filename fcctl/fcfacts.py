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
# Environment variable names: letters, digits and _, not starting with a digit. Unverified:
# FC's console says so; the API docs state no pattern. fcctl's policy (what a shell can export).
ENV_VAR_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
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
# Hook timeout, whole seconds >= 1. Upper bounds unverified: Terraform's schema (initializer
# <= 600 s, preStop <= 900 s) is the policy.
INITIALIZER_TIMEOUT_RANGE_S = (1, 600)
PRESTOP_TIMEOUT_RANGE_S = (1, 900)
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
)
MASK = "***"


def is_secret_name(name: str) -> bool:
    """True when an environment variable's name looks like it holds a secret."""
    upper = name.upper()
    return any(word in upper for word in SECRET_NAME_WORDS)


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
# Error type header of an invocation whose Initializer failed (FC-NOTES §1).
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

# --- code packages ---------------------------------------------------------------------------

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

# --- emulator wire and request limits ------------------------------------------------------------

# --- spec validation (names, triggers, handlers, roles) ----------------------------------------

# --- local runner ------------------------------------------------------------------------------

# --- updates: nested objects, removed fields, tags ---------------------------------------------

# --- rollout, instances, errors, provisioning ---------------------------------------------------
