from fcctl.cli.main import main

main()
