import xml.sax

import defusedxml.sax


class CountingHandler(xml.sax.ContentHandler):
    def __init__(self):
        super().__init__()
        self.count = 0

    def startElement(self, name, attrs):
        self.count += 1


def count_elements(xml_path: str) -> int:
    """Count the elements of an XML file received from a partner."""
    counter = CountingHandler()
    defusedxml.sax.parse(xml_path, counter)
    return counter.count
