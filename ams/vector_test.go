package ams_test

// A fixed 2048-bit RSA key pair and a signature made with it by OpenSSL, independently of
// this package:
//
//	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem
//	openssl pkey -in key.pem -pubout -out pub.pem
//	printf '<vectorContent>' | openssl dgst -sha256 -sign key.pem | base64 -w0
//
// The key is a test fixture; it protects nothing.

const testPrivateKeyPEM = `-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDBodBj1WsYMDQt
agVf7eHyNYVcFLL/wRmcxm5gXa1+87K5vW750W6HjRd0bMFxGs1n8M8nzzj3/xMT
FItuC8vMX8mDbutruiS/KmcC2ndwLcSOXQRYZlsfZtpPAqT9Ns3ZC8hrj5Q3dAgJ
Ls8lFpmaVzp2zrNWaBtIWK8g3JE/V73UKroTR8/qu8d3WRol0QPqC+5NAqodIe3L
u/A2QeVQQpfXC4VCT/eHqrctlHGruPcdT+4vAh3xRtGlyzcDD++6g+uoPuT/rWSV
N7c3tyij/Sg0Meti1eoEA1cKJr7Q3j9QY6ZP6qevqv2dT0cx+IlRtypWS6deCjc4
BKhbnjp9AgMBAAECggEADpL0GSuNV8D7EGcAOA/y13TtUHizX1okqB7sXF74qctE
asQGGBIKIHQ/bXEpHy7+AmKG6Q9pEYt2n1NGylXjdULJa1XcLNvSG7xgi/+vCTe8
qV15cADmP2cRq+w+SFvJYxqGr4fbR1A5sZ0/FKLOlWYW3a3hpDGKSif4qH/Jg+ug
a4Ki7XR0kOUBo2dqFbe1gvYRAraCtWTTCHmse+GIJ+f/IF0SooEXenL99+Hf8aof
bfvSz6VexBaU4YSXHRKg4hFOsu79yFGeewiRB03jyQPJ2kUVB54he3YlrDP7wMKE
bK9iOyQPVYsx+WUG455lHFDAvNp3y4X3HgBkFoXTeQKBgQDqpSS+cYRoAebUMXkh
NeQaUDOqnl8GGChydjBWqzLRRO2ccOwSiAVzrJulwPhUYM8FV4WT/x8fiDZHPk70
xkD+wk0lzapvITZNw3E0oj2Fk1EcrNuk/Rx09W4TMmMWoZPOe3OMS7chtCjk2Vbb
r+cg6ijQ/DxjjzB6VR1UecqqCQKBgQDTQSIC10oKkNJueHWy5Nsc0MMGzeTKLrLn
fLEPLiJ5KGZhD7ptwSSQxrQRtAeXXiN7Qgi+jzbGVjUksSFTmhhxtJgKuRU1TgMb
gh9bNoTa84cJIBbaX8y7cFosEX4kT+utqKPQ3WfF47Yfoyhl3p0HDxBjxxzXa1/c
aoaVyLz51QKBgB7E/SaEGErTRQO6YRn7ySeyMLRFBEz2SgeIfBpBZO6QTWBgZnSf
padfkSGRRn86GqumqHuZzukBoayB/TSX8tn1fMxiReFAx7A22td+Fvc3NEHAYSUn
k926eW7HArtrAMjo42QYYbFnwJ0R6xPv4y0rx6JwETM1CbRhCPGU7wCRAoGAfYfD
jQqe/Z5G3MwJrG7fYMUQTpfELvwG5RUsJUgVxgbipyRwdE2Dy9+3GpnutNyEmvaH
OaziMIMDezUiB4qWoeJdQmnul0kvAYaV2V6RHYX+JMcDrWmlv2+otW0DltJCymNe
THtz8Zw5GZ2bIMVia9Jgu9mSYtN0GAbYyGKLIK0CgYADaZ7fK/VTVgeAri3mqs6z
5x/A+lwK2ltiOFC3FuYS32e1CJHEWke7BcFazkajQoEwxbI+MkdE9aFQTDKD3/bP
FlJouB0XN1JfO4f74nrlw88pXnde+EWbgYbaAIcBmCCq5CxwXu7R9FepDfzoZH8r
ANwMVf3PC6ZlHSmQBqY2Sg==
-----END PRIVATE KEY-----
`

const testPublicKeyPEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwaHQY9VrGDA0LWoFX+3h
8jWFXBSy/8EZnMZuYF2tfvOyub1u+dFuh40XdGzBcRrNZ/DPJ8849/8TExSLbgvL
zF/Jg27ra7okvypnAtp3cC3Ejl0EWGZbH2baTwKk/TbN2QvIa4+UN3QICS7PJRaZ
mlc6ds6zVmgbSFivINyRP1e91Cq6E0fP6rvHd1kaJdED6gvuTQKqHSHty7vwNkHl
UEKX1wuFQk/3h6q3LZRxq7j3HU/uLwId8UbRpcs3Aw/vuoPrqD7k/61klTe3N7co
o/0oNDHrYtXqBANXCia+0N4/UGOmT+qnr6r9nU9HMfiJUbcqVkunXgo3OASoW546
fQIDAQAB
-----END PUBLIC KEY-----
`

// vectorContent is the string to sign of a pay request, built by hand.
const vectorContent = "POST /ams/api/v1/payments/pay\n" +
	"CLIENT.1685599933871." +
	`{"productCode":"CASHIER_PAYMENT","paymentRequestId":"REQ-0001","paymentAmount":{"currency":"USD","value":"1000"}}`

// vectorSignatureBase64 is OpenSSL's SHA256withRSA signature of vectorContent, base64.
const vectorSignatureBase64 = "UdmJddcWdMugcjOOsNIji6Ee0fFWPO47CT9SWX2qK3R6U/HycWXtF7DqoA4M0x1rnXqv/YDnIy2RtdmBvrEb2HzbKkFG5CWgJJ+nkQE2W2/xpZe+oUlMzdlj/Yy29+xJLqgv5VVkO7Qx7CuqK0kvj4D9iIQlvMbNmS9qcf+dmwzTZ1HhN2Am8wxdL2UA7Q1UHEVfFi/QT8fSI1pZMvNlMDJwWTPUHasmfAU5E7XW17tMqEteZd2Wy7fwpurYi5Awq00qD2AbfImGbGAKFbTm4bjGHAoJbwTxCfBsUFavH7taHKDes91O1KAZDTgWexs/PsQgEkJwNWGvYpj8P7LTrw=="

// vectorHeader is the Signature header the official SDKs send for vectorContent.
const vectorHeader = "algorithm=RSA256,keyVersion=1,signature=UdmJddcWdMugcjOOsNIji6Ee0fFWPO47CT9SWX2qK3R6U%2FHycWXtF7DqoA4M0x1rnXqv%2FYDnIy2RtdmBvrEb2HzbKkFG5CWgJJ%2BnkQE2W2%2FxpZe%2BoUlMzdlj%2FYy29%2BxJLqgv5VVkO7Qx7CuqK0kvj4D9iIQlvMbNmS9qcf%2BdmwzTZ1HhN2Am8wxdL2UA7Q1UHEVfFi%2FQT8fSI1pZMvNlMDJwWTPUHasmfAU5E7XW17tMqEteZd2Wy7fwpurYi5Awq00qD2AbfImGbGAKFbTm4bjGHAoJbwTxCfBsUFavH7taHKDes91O1KAZDTgWexs%2FPsQgEkJwNWGvYpj8P7LTrw%3D%3D"
