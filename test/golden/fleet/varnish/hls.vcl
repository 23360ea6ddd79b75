vcl 4.1;
# HLS cache of fleet radio, rendered by `antenne render`: do not edit.
# varnishd -a :8080 -f hls.vcl
import directors;

backend fip_a {
    .host = "fip-a";
    .port = "8080";
    .connect_timeout = 1s;
    .first_byte_timeout = 3s;
    .between_bytes_timeout = 3s;
    .probe = {
        .url = "/readyz";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}
backend fip_b {
    .host = "fip-b";
    .port = "8080";
    .connect_timeout = 1s;
    .first_byte_timeout = 3s;
    .between_bytes_timeout = 3s;
    .probe = {
        .url = "/readyz";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}
backend jazz_a {
    .host = "jazz-a";
    .port = "8080";
    .connect_timeout = 1s;
    .first_byte_timeout = 3s;
    .between_bytes_timeout = 3s;
    .probe = {
        .url = "/readyz";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}
backend jazz_b {
    .host = "jazz-b";
    .port = "8080";
    .connect_timeout = 1s;
    .first_byte_timeout = 3s;
    .between_bytes_timeout = 3s;
    .probe = {
        .url = "/readyz";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}
backend info_a {
    .host = "info-a";
    .port = "8080";
    .connect_timeout = 1s;
    .first_byte_timeout = 3s;
    .between_bytes_timeout = 3s;
    .probe = {
        .url = "/readyz";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}
backend info_b {
    .host = "info-b";
    .port = "8080";
    .connect_timeout = 1s;
    .first_byte_timeout = 3s;
    .between_bytes_timeout = 3s;
    .probe = {
        .url = "/readyz";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}

sub vcl_init {
    new fip = directors.fallback();
    fip.add_backend(fip_a);
    fip.add_backend(fip_b);
    new jazz = directors.fallback();
    jazz.add_backend(jazz_a);
    jazz.add_backend(jazz_b);
    new info = directors.fallback();
    info.add_backend(info_a);
    info.add_backend(info_b);
}

sub vcl_recv {
    if (req.method == "OPTIONS") {
        return (synth(204));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (synth(405));
    }
    set req.url = regsub(req.url, "\?.*$", "");
    unset req.http.Cookie;
    if (req.url ~ "^/hls/fip(_[A-Za-z0-9_.-]+)?\.m3u8$" || req.url ~ "^/hls/fip_[A-Za-z0-9_.-]+\.ts$") {
        set req.backend_hint = fip.backend();
        set req.http.X-Antenne-Channel = "fip";
    } elsif (req.url ~ "^/hls/jazz(_[A-Za-z0-9_.-]+)?\.m3u8$" || req.url ~ "^/hls/jazz_[A-Za-z0-9_.-]+\.ts$") {
        set req.backend_hint = jazz.backend();
        set req.http.X-Antenne-Channel = "jazz";
    } elsif (req.url ~ "^/hls/info(_[A-Za-z0-9_.-]+)?\.m3u8$" || req.url ~ "^/hls/info_[A-Za-z0-9_.-]+\.ts$") {
        set req.backend_hint = info.backend();
        set req.http.X-Antenne-Channel = "info";
    } else {
        return (synth(404));
    }
    return (hash);
}

sub vcl_backend_fetch {
    if (bereq.retries > 0) {
        if (bereq.http.X-Antenne-Failed == "fip_a") {
            set bereq.backend = fip_b;
        } elsif (bereq.http.X-Antenne-Failed == "fip_b") {
            set bereq.backend = fip_a;
        } elsif (bereq.http.X-Antenne-Failed == "jazz_a") {
            set bereq.backend = jazz_b;
        } elsif (bereq.http.X-Antenne-Failed == "jazz_b") {
            set bereq.backend = jazz_a;
        } elsif (bereq.http.X-Antenne-Failed == "info_a") {
            set bereq.backend = info_b;
        } elsif (bereq.http.X-Antenne-Failed == "info_b") {
            set bereq.backend = info_a;
        }
    }
}

sub vcl_backend_response {
    if (bereq.retries < 1 && (beresp.status >= 500 || (beresp.status == 404 && bereq.url ~ "\.ts$"))) {
        set bereq.http.X-Antenne-Failed = beresp.backend.name;
        return (retry);
    }
    if (beresp.status != 200) {
        set beresp.ttl = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    if (bereq.url ~ "\.m3u8$") {
        if (bereq.http.X-Antenne-Channel == "fip") {
            set beresp.ttl = 2s;
            set beresp.http.Cache-Control = "max-age=2";
        } elsif (bereq.http.X-Antenne-Channel == "jazz") {
            set beresp.ttl = 2s;
            set beresp.http.Cache-Control = "max-age=2";
        } elsif (bereq.http.X-Antenne-Channel == "info") {
            set beresp.ttl = 2s;
            set beresp.http.Cache-Control = "max-age=2";
        }
        set beresp.grace = 1s;
    } else {
        set beresp.ttl = 600s;
        set beresp.grace = 600s;
        set beresp.http.Cache-Control = "max-age=600";
    }
    return (deliver);
}

sub vcl_backend_error {
    if (bereq.retries < 1) {
        set bereq.http.X-Antenne-Failed = beresp.backend.name;
        return (retry);
    }
    return (abandon);
}

sub vcl_synth {
    set resp.http.Access-Control-Allow-Origin = "*";
    set resp.http.Access-Control-Allow-Methods = "GET, HEAD, OPTIONS";
}

sub vcl_deliver {
    set resp.http.Access-Control-Allow-Origin = "*";
    set resp.http.Access-Control-Allow-Methods = "GET, HEAD, OPTIONS";
    unset resp.http.Set-Cookie;
}
