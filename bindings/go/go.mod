module vaccel

go 1.19
