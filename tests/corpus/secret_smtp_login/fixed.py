import os
import smtplib
import ssl
from email.message import EmailMessage


def send_alert(to_address: str, text: str) -> None:
    """Send an alert e-mail through the company SMTP server."""
    message = EmailMessage()
    message["From"] = "alerts@example.com"
    message["To"] = to_address
    message["Subject"] = "Alert"
    message.set_content(text)
    with smtplib.SMTP("smtp.example.com", 587) as server:
        server.starttls(context=ssl.create_default_context())
        server.login(os.environ["SMTP_USER"], os.environ["SMTP_PASSWORD"])
        server.send_message(message)
