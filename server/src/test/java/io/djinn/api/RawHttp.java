package io.djinn.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * Sends bytes exactly as given over a plain socket and reads the one answer: for request lines and headers no HTTP
 * client would send (dot segments, bare LF, NUL, broken lengths), which clients normalise or refuse.
 */
final class RawHttp {

    record Answer(int status, String head, String body) {}

    private RawHttp() {}

    static Answer send(URL base, byte[] request) throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // the server may answer and close before it has read everything (a 1 MB header): read what it said
            }
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    received.write(buf, 0, n);
                    if (complete(received.toString(StandardCharsets.ISO_8859_1))) {
                        break;
                    }
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // answer as far as it came
            }
            return parse(received.toString(StandardCharsets.UTF_8));
        }
    }

    static Answer send(URL base, String request) throws IOException {
        return send(base, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A request for {@code target} exactly as written, with the headers given (CRLF added). */
    static Answer request(URL base, String method, String target, String body, String... headers) throws IOException {
        StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\nConnection: close\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        if (body != null) {
            sb.append("Content-Type: application/json\r\nContent-Length: ")
                    .append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        }
        sb.append("\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + b.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(b, 0, all, head.length, b.length);
        return send(base, all);
    }

    private static boolean complete(String s) {
        int end = s.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        String head = s.substring(0, end).toLowerCase(java.util.Locale.ROOT);
        int cl = head.indexOf("content-length:");
        if (cl < 0) {
            return false; // chunked or close-delimited: read to the end
        }
        int eol = head.indexOf("\r\n", cl);
        int length = Integer.parseInt(head.substring(cl + 15, eol < 0 ? head.length() : eol).strip());
        return s.length() - end - 4 >= length;
    }

    private static Answer parse(String s) {
        if (s.isEmpty()) {
            return new Answer(-1, "", "");
        }
        int end = s.indexOf("\r\n\r\n");
        String head = end < 0 ? s : s.substring(0, end);
        String body = end < 0 ? "" : s.substring(end + 4);
        String[] statusLine = head.split("\r\n", 2)[0].split(" ");
        return new Answer(Integer.parseInt(statusLine[1]), head, body);
    }
}
