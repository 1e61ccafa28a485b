from lxml import etree

USERS_XML = "users.xml"


def find_user_email(username):
    """Return the e-mail address of the user with the given name from users.xml."""
    tree = etree.parse(USERS_XML)
    result = tree.xpath("//user[@name='" + username + "']/email/text()")
    return result[0] if result else None
