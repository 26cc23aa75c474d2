"""What a user would run instead of crmlink: one script per contestant, each run as a
subprocess (argv[1] is a JSON file of arguments), each printing one JSON line at the end."""
