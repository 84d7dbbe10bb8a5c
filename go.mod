module github.com/cashierpay/cashier

go 1.26.8
