from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from .database import get_db

app = FastAPI()


@app.get("/users/search")
def search_users(email: str, db: Session = Depends(get_db)):
    """Find users whose e-mail starts with the given prefix."""
    query = text("SELECT id, email FROM users WHERE email LIKE :prefix")
    rows = db.execute(query, {"prefix": f"{email}%"}).fetchall()
    return [{"id": r.id, "email": r.email} for r in rows]
