import subprocess
import tempfile


def render_pdf(html: str) -> bytes:
    """Render HTML to PDF with wkhtmltopdf and return the PDF bytes."""
    html_path = tempfile.mktemp(suffix=".html")
    pdf_path = tempfile.mktemp(suffix=".pdf")
    with open(html_path, "w", encoding="utf-8") as handle:
        handle.write(html)
    subprocess.run(["wkhtmltopdf", html_path, pdf_path], check=True)
    with open(pdf_path, "rb") as handle:
        return handle.read()
