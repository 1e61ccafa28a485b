import ftplib
import os


def upload_backup(path: str) -> None:
    """Upload a backup file to the backup server."""
    with ftplib.FTP("backup.example.com") as ftp:
        ftp.login(os.environ["FTP_USER"], os.environ["FTP_PASSWORD"])
        with open(path, "rb") as handle:
            ftp.storbinary(f"STOR {os.path.basename(path)}", handle)
