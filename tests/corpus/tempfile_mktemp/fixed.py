import os
import subprocess
import tempfile


def render_pdf(html: str) -> bytes:
    """Render HTML to PDF with wkhtmltopdf and return the PDF bytes."""
    with tempfile.TemporaryDirectory() as workdir:
        html_path = os.path.join(workdir, "page.html")
        pdf_path = os.path.join(workdir, "page.pdf")
        with open(html_path, "w", encoding="utf-8") as handle:
            handle.write(html)
        subprocess.run(["wkhtmltopdf", html_path, pdf_path], check=True)
        with open(pdf_path, "rb") as handle:
            return handle.read()
