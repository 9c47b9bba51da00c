"""The bench's side of the OCPP 1.6 security extension ("Improved security for OCPP
1.6-J", edition 3): the run's certificate authority, the checks of a station's
certificate signing request, firmware signing and the certificate hash data that
GetInstalledCertificateIds and DeleteCertificate carry.

Pure: values in, values out; nothing here touches a socket or reads a clock (the time a
certificate is valid from is a parameter).

- ``csr``: a PEM PKCS#10 request judged against the whitepaper's certificate properties;
- ``authority``: ``RunAuthority`` (a CA made for the run, or the user's), its leaves, the
  firmware signer, and ``hash_data``.
"""
