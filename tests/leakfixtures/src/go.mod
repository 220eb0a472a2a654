module pprofsh.test/leakfixtures

go 1.19
