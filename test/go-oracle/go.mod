module kubectl-certs.io/go-oracle

go 1.19
