import os
import shlex
import subprocess
import sys

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    host = request.args.get("host")
    # ruleid: safegen.command-injection
    os.system("ping -c 1 " + host)
    # ruleid: safegen.command-injection
    out = subprocess.check_output(f"nslookup {host}", shell=True)
    # ok: safegen.command-injection
    subprocess.run(["ping", "-c", "1", host], check=True)
    # ok: safegen.command-injection
    os.system("ping -c 1 " + shlex.quote(host))
    return out


def archive(directory: str) -> None:
    # ruleid: safegen.command-injection
    subprocess.call("tar czf out.tgz " + directory, shell=True)
    # ok: safegen.command-injection
    subprocess.call(["tar", "czf", "out.tgz", directory])


def grep(pattern):
    # ruleid: safegen.command-injection
    return os.popen("grep %s /var/log/syslog" % pattern).read()


def resize(width):
    # ok: safegen.command-injection
    os.system("convert in.png -resize %d out.png" % int(width))


def run_tool(name):
    if name not in ("ls", "df"):
        raise ValueError(name)
    # ok: safegen.command-injection
    os.system(name)


def main():
    # ruleid: safegen.command-injection
    os.system("cat " + sys.argv[1])
    # ruleid: safegen.command-injection
    subprocess.getoutput("echo " + input("name? "))
    # ok: safegen.command-injection
    os.system("uptime")


def remote(client, command_parts):
    # ruleid: safegen.command-injection
    client.exec_command(" ".join(command_parts))
    # ok: safegen.command-injection
    client.exec_command(shlex.join(command_parts))


@app.route("/convert")
def convert():
    name = request.args["name"]
    # ruleid: safegen.command-injection
    subprocess.run(["bash", "-c", "pandoc " + name], check=True)
    # ok: safegen.command-injection
    subprocess.run(["pandoc", name], check=True)
