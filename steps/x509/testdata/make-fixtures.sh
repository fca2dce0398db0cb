#!/bin/sh
# Regenerates the OpenSSL-made fixtures (a second, independent
# implementation of the formats x509inspect parses). Run from testdata/.
# Validity is ~100 years so the fixtures do not expire under the tests.
set -e
T=$(mktemp -d)
cat > $T/ca.cnf <<'CNF'
[v3_ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[v3_int]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[v3_leaf]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:cucm-pub.lab.example.com,DNS:cucm-sub1.lab.example.com,DNS:imp-pub.lab.example.com
authorityKeyIdentifier=keyid
[req]
distinguished_name=dn
req_extensions=csr_ext
[dn]
[csr_ext]
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:cucm-pub.lab.example.com,DNS:cucm-sub1.lab.example.com
CNF
C=$T/ca.cnf
openssl req -x509 -newkey rsa:2048 -nodes -keyout $T/root.key -subj "/O=Lab/CN=Lab Root CA" \
	-days 36500 -sha256 -config $C -extensions v3_ca -out root.pem
openssl req -new -newkey rsa:2048 -nodes -keyout $T/int.key -subj "/O=Lab/CN=Lab Issuing CA" \
	-config $C -out $T/int.csr
openssl x509 -req -in $T/int.csr -CA root.pem -CAkey $T/root.key -CAcreateserial -CAserial $T/s \
	-days 36000 -sha256 -extfile $C -extensions v3_int -out intermediate.pem
openssl req -new -newkey rsa:2048 -nodes -keyout $T/leaf.key \
	-subj "/O=Lab/CN=cucm-pub.lab.example.com" -config $C -out cluster.csr
openssl x509 -req -in cluster.csr -CA intermediate.pem -CAkey $T/int.key -CAcreateserial -CAserial $T/s \
	-days 35000 -sha256 -extfile $C -extensions v3_leaf -out leaf.pem
cat leaf.pem intermediate.pem root.pem > chain-leaf-first.pem
cat root.pem intermediate.pem leaf.pem > chain-root-first.pem
openssl crl2pkcs7 -nocrl -certfile chain-leaf-first.pem -outform DER -out chain.p7b
openssl crl2pkcs7 -nocrl -certfile chain-leaf-first.pem -out chain-p7b.pem
openssl x509 -in leaf.pem -outform DER -out leaf.der
openssl req -in cluster.csr -outform DER -out cluster.csr.der
# AD CS serves certnew.p7b?Enc=b64 as PKCS#7 inside CERTIFICATE armour.
sed -e 's/BEGIN PKCS7/BEGIN CERTIFICATE/' -e 's/END PKCS7/END CERTIFICATE/' chain-p7b.pem \
	> chain-adcs-armour.pem
openssl req -x509 -newkey rsa:1024 -nodes -keyout $T/w.key -subj "/CN=*.lab.example.com" \
	-days 36500 -sha1 -addext "subjectAltName=DNS:*.lab.example.com" -out wildcard-sha1.pem
rm -rf $T
