from django.contrib.auth import authenticate, login
from django.shortcuts import redirect, render


def login_view(request):
    """Log the user in and continue to the page given in 'next'."""
    if request.method == "POST":
        user = authenticate(request, username=request.POST["username"], password=request.POST["password"])
        if user is not None:
            login(request, user)
            return redirect(request.POST.get("next", "/"))
    return render(request, "login.html")
