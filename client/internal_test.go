package client

import (
	"testing"

	"github.com/cashierpay/cashier/ams"
)

func TestDefaultHTTPClientTimeout(t *testing.T) {
	k, err := ams.ParsePrivateKey(testKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: "https://cashier.example/", ClientID: "M",
		MerchantPrivateKey: testKey, GatewayPublicKey: ams.EncodePublicKey(&k.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	if c.httpClient == nil || c.httpClient.Timeout != DefaultTimeout || DefaultTimeout.Seconds() != 30 {
		t.Errorf("default HTTP client = %+v", c.httpClient)
	}
	if c.baseURL != "https://cashier.example" {
		t.Errorf("baseURL = %q", c.baseURL)
	}
}

// testKey is a fixture (the one of ams/vector_test.go); it protects nothing.
const testKey = `-----BEGIN PRIVATE KEY-----
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
-----END PRIVATE KEY-----`
