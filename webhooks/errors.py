from common.errors import InvalidValue


class InvalidEndpoint(InvalidValue):
    default_detail = "The webhook endpoint is not valid."
