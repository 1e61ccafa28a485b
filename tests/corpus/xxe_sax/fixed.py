import defusedxml.sax
import xml.sax


class TitleHandler(xml.sax.ContentHandler):
    def __init__(self):
        super().__init__()
        self.titles = []
        self._in_title = False

    def startElement(self, name, attrs):
        self._in_title = name == "title"

    def characters(self, content):
        if self._in_title:
            self.titles.append(content)


def extract_titles(path):
    """Return all <title> texts of an XML feed file."""
    handler = TitleHandler()
    defusedxml.sax.parse(path, handler)
    return handler.titles
