package adcstest

import (
	"fmt"
	"html"
)

// The pages follow the wording of AD CS's certfnsh.asp replies.
const pageHead = `<HTML><Head><Meta HTTP-Equiv="Content-Type" Content="text/html; charset=UTF-8">
<Title>Microsoft Active Directory Certificate Services</Title></Head>
<Body BgColor=#FFFFFF><Font ID=locPageFont Face="Arial">
<Table Border=0 CellSpacing=0 CellPadding=4 Width=100%% BgColor=#008080>
<TR><TD><Font Color=#FFFFFF><LocID ID=locMSCertSrv><Font Face="Arial" Size=-1><B><I>Microsoft</I></B>
Active Directory Certificate Services</Font></LocID> &nbsp;--&nbsp; Lab Enterprise Issuing CA</Font></TD>
<TD ID=locHomeAlign Align=Right><A Href="/certsrv/"><Font Color=#FFFFFF><LocID ID=locHomeLink>Home</LocID></Font></A></TD></TR>
</Table>
`

const pageTail = "</Font>\n</Body></HTML>\n"

func dispositionPage(r *Request) string {
	switch r.State {
	case "issued":
		return fmt.Sprintf(pageHead+issuedBody+pageTail, r.ID, r.ID)
	case "pending":
		return fmt.Sprintf(pageHead+pendingBody+pageTail, r.ID, html.EscapeString(r.Message))
	}
	return fmt.Sprintf(pageHead+deniedBody+pageTail, r.ID, html.EscapeString(r.Message))
}

func errorPage(msg string) string {
	return fmt.Sprintf(pageHead+errorBody+pageTail, html.EscapeString(msg))
}

const issuedBody = `<P ID=locPageTitle> <B> Certificate Issued </B>
<P ID=locPageDesc>The certificate you requested was issued to you.
<Table Border=0 CellPadding=0 CellSpacing=0>
<TR><TD><Input Type=Radio Name=rbEncoding ID=rbDerEnc><Label For=rbDerEnc ID=locDerEnc>DER encoded</Label>
 or <Input Type=Radio Name=rbEncoding ID=rbB64Enc Checked><Label For=rbB64Enc ID=locB64Enc>Base 64 encoded</Label></TD></TR>
<TR><TD><A Href="certnew.cer?ReqID=%d&amp;Enc=b64"><Img Src="certcert.gif" Border=0>
<LocID ID=locDownloadCert1>Download certificate</LocID></A></TD></TR>
<TR><TD><A Href="certnew.p7b?ReqID=%d&amp;Enc=b64"><Img Src="certcert.gif" Border=0>
<LocID ID=locDownloadCert2>Download certificate chain</LocID></A></TD></TR>
</Table>
`

const pendingBody = `<P ID=locPageTitle> <B> Certificate Pending </B>
<P ID=locPageDesc> Your certificate request has been received. However, you must wait for an
administrator to issue the certificate you requested.
<P> Your Request Id is %d.
<P ID=locDispMsg> The disposition message is "%s".
<P ID=locReturnMsg> Please return to this web site in a day or two to retrieve your certificate.
`

const deniedBody = `<P ID=locPageTitle> <B> Certificate Request Denied</B>
<P ID=locPageDesc> Your certificate request was denied.
<P> Your Request Id is %d.
<P ID=locDispMsg> The disposition message is "%s".
<P ID=locContactAdmin> Contact your administrator for further information.
`

const errorBody = `<P ID=locPageTitle> <B> Certificate Request Denied</B>
<P ID=locPageDesc> Your certificate request was denied.
<P ID=locDispMsg> The disposition message is "%s".
<P ID=locContactAdmin> Contact your administrator for further information.
`

const carcPage = pageHead + `<Script Language="JavaScript">
	var nRenewals=%d;
	var sPKCS7="";
</Script>
<P ID=locPageTitle> <B> Download a CA Certificate, Certificate Chain, or CRL</B>
` + pageTail
