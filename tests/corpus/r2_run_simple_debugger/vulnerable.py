from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response


@Request.application
def application(request):
    return Response("hello")


if __name__ == "__main__":
    run_simple("localhost", 4000, application, use_debugger=True, use_reloader=True)
