from kzkb.cli import main

main()
