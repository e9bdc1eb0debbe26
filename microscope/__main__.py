from microscope.cli import main

main()
