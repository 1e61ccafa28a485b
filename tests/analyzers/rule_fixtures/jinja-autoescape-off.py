from jinja2 import Environment, FileSystemLoader, select_autoescape

# ruleid: safegen.jinja-autoescape-off
plain = Environment(loader=FileSystemLoader("templates"))
# ruleid: safegen.jinja-autoescape-off
off = Environment(loader=FileSystemLoader("templates"), autoescape=False)
# ok: safegen.jinja-autoescape-off
html = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())
