module pprofsh/examples

go 1.19
