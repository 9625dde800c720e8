from kzkb.entry import main

main()
