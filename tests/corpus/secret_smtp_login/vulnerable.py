import smtplib
from email.message import EmailMessage


def send_alert(to_address: str, text: str) -> None:
    """Send an alert e-mail through the company SMTP server."""
    message = EmailMessage()
    message["From"] = "alerts@example.com"
    message["To"] = to_address
    message["Subject"] = "Alert"
    message.set_content(text)
    with smtplib.SMTP("smtp.example.com", 587) as server:
        server.starttls()
        server.login("alerts@example.com", "Summer2024!")
        server.send_message(message)
