def main():
    print("Simple unit converter. Enter a number of kilometres:")
    kilometres = float(input("> "))
    print(f"{kilometres} km = {kilometres * 0.621371:.3f} miles")


if __name__ == "__main__":
    main()
