# the handlers the built-in-runtime specs in this folder name (fcctl validate looks them up)
def handler(event, context):
    return "ok"


def initialize(context):
    pass


def pre_stop(context):
    pass
