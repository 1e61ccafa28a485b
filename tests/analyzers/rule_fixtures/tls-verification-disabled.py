import ssl

import paramiko
import requests


def fetch(url):
    # ruleid: safegen.tls-verification-disabled
    requests.get(url, verify=False, timeout=5)
    # ok: safegen.tls-verification-disabled
    requests.get(url, verify="/etc/ssl/internal-ca.pem", timeout=5)
    # ruleid: safegen.tls-verification-disabled
    context = ssl._create_unverified_context()
    strict = ssl.create_default_context()
    # ruleid: safegen.tls-verification-disabled
    strict.check_hostname = False
    # ruleid: safegen.tls-verification-disabled
    strict.verify_mode = ssl.CERT_NONE
    # ok: safegen.tls-verification-disabled
    strict.verify_mode = ssl.CERT_REQUIRED
    return context


def ssh(host):
    client = paramiko.SSHClient()
    # ruleid: safegen.tls-verification-disabled
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    # ok: safegen.tls-verification-disabled
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host)
