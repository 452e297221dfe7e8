"""SDK exceptions → ApiError: FC's code, request id and a hint that says what to do."""

from __future__ import annotations

from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException

from fcctl.cloud import sdkerrors


def exc(cls, status, code, message="m", request_id="rid-1", **kw):
    return cls(status_code=status, code=code, message=message, request_id=request_id,
               data={"Code": code, "Message": message, "RequestId": request_id}, **kw)


def test_signature_error_names_secret_and_clock():
    err = sdkerrors.to_api_error(exc(ClientException, 403, "SignatureNotMatch"), "GetFunction", "e")
    assert err.code == "SignatureNotMatch" and err.request_id == "rid-1" and err.status == 403
    assert "secret" in err.hint and "clock" in err.hint
    assert "[SignatureNotMatch]" in str(err) and "rid-1" in str(err)


def test_suffixed_code_gets_the_base_hint():
    err = sdkerrors.to_api_error(exc(ClientException, 403, "InvalidTimeStamp.Expired"), "X", "e")
    assert "clock" in err.hint


def test_access_denied_names_the_ram_action():
    err = sdkerrors.to_api_error(exc(ClientException, 403, "AccessDenied"), "UpdateFunction", "e")
    assert "RAM" in err.hint


def test_retryable_classification():
    assert sdkerrors.classify(exc(ServerException, 503, "ResourceThrottled"))[0]
    assert sdkerrors.classify(exc(ServerException, 500, "InternalServerError"))[0]
    assert sdkerrors.classify(exc(ThrottlingException, 429, "ResourceExhausted"))[0]
    for status, code in ((400, "InvalidArgument"), (403, "AccessDenied"), (404, "FunctionNotFound"),
                         (409, "ConcurrentUpdateError")):
        assert not sdkerrors.classify(exc(ClientException, status, code))[0], code


def test_connection_errors_are_retryable_and_worded():
    err = ConnectionRefusedError(111, "Connection refused")
    assert sdkerrors.classify(err)[0]
    api = sdkerrors.to_api_error(err, "GetFunction", "http://127.0.0.1:9")
    assert api.code == "ConnectionError" and "127.0.0.1:9" in api.message


def test_retry_after_is_milliseconds():
    assert sdkerrors.classify(exc(ThrottlingException, 429, "ResourceExhausted",
                                  retry_after=100)) == (True, 0.1)
    assert sdkerrors.classify(exc(ThrottlingException, 429, "ResourceExhausted",
                                  retry_after=2500)) == (True, 2.5)


def test_gateway_throttling_codes_are_retried_whatever_the_status():
    # Terraform's NeedRetry: ^Throttling.*, Rejected.Throttling, ServiceUnavailable
    for status, code in ((400, "Throttling.User"), (403, "Throttling.Api"),
                         (400, "Throttling"), (400, "ThrottlingException"),
                         (403, "Rejected.Throttling"), (400, "ServiceUnavailable")):
        assert sdkerrors.classify(exc(ClientException, status, code))[0], code
    for status, code in ((400, "RejectedByPolicy"), (400, "Rejected"), (412, "PreconditionFailed"),
                         (409, "FunctionNotEmpty"), (400, "NotThrottling")):
        assert not sdkerrors.classify(exc(ClientException, status, code))[0], code
    assert sdkerrors.classify(exc(ServerException, 502, "BadGateway"))[0]  # any 5xx


def test_gateway_spellings_of_signature_and_key_errors_get_hints():
    # the POP gateway (FC 3.0, V3 signature) says SignatureDoesNotMatch and
    # InvalidAccessKeyId.NotFound; FC's own table says SignatureNotMatch / InvalidAccessKeyID
    sig = sdkerrors.to_api_error(exc(ClientException, 400, "SignatureDoesNotMatch"), "X", "e")
    assert "secret" in sig.hint and "clock" in sig.hint
    key = sdkerrors.to_api_error(exc(ClientException, 404, "InvalidAccessKeyId.NotFound"), "X", "e")
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in key.hint
    assert sdkerrors.hint_for("invalidaccesskeyid") == sdkerrors.hint_for("InvalidAccessKeyID")
    assert sdkerrors.hint_for("Throttling.User") and sdkerrors.hint_for(None) is None


def test_retry_classification_properties():
    from hypothesis import given, strategies as st

    from fcctl.cloud.retry import is_retryable

    suffix = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.", max_size=12)

    @given(st.integers(400, 499), suffix)
    def throttling_prefix_always_retried(status, tail):
        assert is_retryable(status, "Throttling" + tail, False)

    @given(st.integers(500, 599), st.one_of(st.none(), suffix))
    def server_errors_always_retried(status, code):
        assert is_retryable(status, code, False)

    @given(st.sampled_from([400, 403, 404, 409, 412]),
           st.sampled_from(["InvalidArgument", "AccessDenied", "FunctionNotFound",
                            "ConcurrentUpdateError", "PreconditionFailed", "FunctionNotEmpty",
                            "SignatureDoesNotMatch", "InvalidAccessKeyId.NotFound"]))
    def client_errors_never_retried(status, code):
        assert not is_retryable(status, code, False)

    throttling_prefix_always_retried()
    server_errors_always_retried()
    client_errors_never_retried()
