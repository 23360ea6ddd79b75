vcl 4.1;
# HLS cache of fleet radio, rendered by `antenne render`: do not edit.
# varnishd -a :8080 -p max_retries=4 -f hls.vcl
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
backend fip_a_direct {
    .host = "fip-a";
    .port = "8080";
    .connect_timeout = 1s;
    .first_byte_timeout = 3s;
    .between_bytes_timeout = 3s;
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
backend fip_b_direct {
    .host = "fip-b";
    .port = "8080";
    .connect_timeout = 1s;
    .first_byte_timeout = 3s;
    .between_bytes_timeout = 3s;
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
backend jazz_a_direct {
    .host = "jazz-a";
    .port = "8080";
    .connect_timeout = 1s;
    .first_byte_timeout = 3s;
    .between_bytes_timeout = 3s;
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
backend jazz_b_direct {
    .host = "jazz-b";
    .port = "8080";
    .connect_timeout = 1s;
    .first_byte_timeout = 3s;
    .between_bytes_timeout = 3s;
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
backend info_a_direct {
    .host = "info-a";
    .port = "8080";
    .connect_timeout = 1s;
    .first_byte_timeout = 3s;
    .between_bytes_timeout = 3s;
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
backend info_b_direct {
    .host = "info-b";
    .port = "8080";
    .connect_timeout = 1s;
    .first_byte_timeout = 3s;
    .between_bytes_timeout = 3s;
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
    # A first pass takes copies at most 1 s past their lifetime; a restart (no instance
    # answered, see vcl_synth) takes whatever is still kept.
    if (req.restarts == 0) {
        set req.grace = 1s;
        unset req.http.X-Antenne-Restarted;
    } else {
        set req.grace = 1d;
        set req.http.X-Antenne-Restarted = "1";
    }
    unset req.http.X-Antenne-Accept-Degraded;
    unset req.http.X-Antenne-Failed;
    unset req.http.X-Antenne-Tried;
    unset req.http.X-Antenne-Tried-Degraded;
    unset req.http.X-Antenne-Gave-Up;
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
            set bereq.backend = fip_b_direct;
        } elsif (bereq.http.X-Antenne-Failed == "fip_b") {
            set bereq.backend = fip_a_direct;
        } elsif (bereq.http.X-Antenne-Failed == "jazz_a") {
            set bereq.backend = jazz_b_direct;
        } elsif (bereq.http.X-Antenne-Failed == "jazz_b") {
            set bereq.backend = jazz_a_direct;
        } elsif (bereq.http.X-Antenne-Failed == "info_a") {
            set bereq.backend = info_b_direct;
        } elsif (bereq.http.X-Antenne-Failed == "info_b") {
            set bereq.backend = info_a_direct;
        } elsif (bereq.http.X-Antenne-Channel == "fip") {
            set bereq.backend = fip_a_direct;
        } elsif (bereq.http.X-Antenne-Channel == "jazz") {
            set bereq.backend = jazz_a_direct;
        } elsif (bereq.http.X-Antenne-Channel == "info") {
            set bereq.backend = info_a_direct;
        }
    }
}

sub antenne_failed {
    set bereq.http.X-Antenne-Failed = regsub("" + beresp.backend.name, "_direct$", "");
    if (bereq.http.X-Antenne-Accept-Degraded) {
        set bereq.http.X-Antenne-Tried-Degraded = bereq.http.X-Antenne-Tried-Degraded + " " + bereq.http.X-Antenne-Failed;
    } else {
        set bereq.http.X-Antenne-Tried = bereq.http.X-Antenne-Tried + " " + bereq.http.X-Antenne-Failed;
    }
    if (bereq.http.X-Antenne-Channel == "fip") {
        if (bereq.http.X-Antenne-Tried-Degraded ~ "(^| )fip_a( |$)" && bereq.http.X-Antenne-Tried-Degraded ~ "(^| )fip_b( |$)") {
            set bereq.http.X-Antenne-Gave-Up = "1";
        } elsif (bereq.http.X-Antenne-Tried ~ "(^| )fip_a( |$)" && bereq.http.X-Antenne-Tried ~ "(^| )fip_b( |$)") {
            set bereq.http.X-Antenne-Accept-Degraded = "1";
        }
    } elsif (bereq.http.X-Antenne-Channel == "jazz") {
        if (bereq.http.X-Antenne-Tried-Degraded ~ "(^| )jazz_a( |$)" && bereq.http.X-Antenne-Tried-Degraded ~ "(^| )jazz_b( |$)") {
            set bereq.http.X-Antenne-Gave-Up = "1";
        } elsif (bereq.http.X-Antenne-Tried ~ "(^| )jazz_a( |$)" && bereq.http.X-Antenne-Tried ~ "(^| )jazz_b( |$)") {
            set bereq.http.X-Antenne-Accept-Degraded = "1";
        }
    } elsif (bereq.http.X-Antenne-Channel == "info") {
        if (bereq.http.X-Antenne-Tried-Degraded ~ "(^| )info_a( |$)" && bereq.http.X-Antenne-Tried-Degraded ~ "(^| )info_b( |$)") {
            set bereq.http.X-Antenne-Gave-Up = "1";
        } elsif (bereq.http.X-Antenne-Tried ~ "(^| )info_a( |$)" && bereq.http.X-Antenne-Tried ~ "(^| )info_b( |$)") {
            set bereq.http.X-Antenne-Accept-Degraded = "1";
        }
    }
    if (!bereq.http.X-Antenne-Gave-Up) {
        return (retry);
    }
}

sub vcl_backend_response {
    if (beresp.status >= 500 || beresp.status == 404) {
        if (bereq.retries < 4) {
            call antenne_failed;
        }
        # No instance has it. Storing that answer would end the stale copy's life: only a
        # restarted request (which found no stale copy) gets it.
        if (bereq.is_bgfetch || !bereq.http.X-Antenne-Restarted) {
            return (abandon);
        }
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
            set beresp.grace = 60s;
        } elsif (bereq.http.X-Antenne-Channel == "jazz") {
            set beresp.ttl = 2s;
            set beresp.http.Cache-Control = "max-age=2";
            set beresp.grace = 60s;
        } elsif (bereq.http.X-Antenne-Channel == "info") {
            set beresp.ttl = 2s;
            set beresp.http.Cache-Control = "max-age=2";
            set beresp.grace = 60s;
        }
    } elsif (bereq.http.X-Antenne-Accept-Degraded) {
        # Safety audio under names a peer may soon publish with the studio's: kept briefly.
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
        set beresp.grace = 0s;
    } else {
        set beresp.ttl = 600s;
        set beresp.grace = 600s;
        set beresp.http.Cache-Control = "max-age=600";
    }
    return (deliver);
}

sub vcl_backend_error {
    if (bereq.retries < 4) {
        call antenne_failed;
    }
    return (abandon);
}

sub vcl_synth {
    if (resp.status == 503 && req.restarts == 0 && req.http.X-Antenne-Channel) {
        return (restart);
    }
    set resp.http.Access-Control-Allow-Origin = "*";
    set resp.http.Access-Control-Allow-Methods = "GET, HEAD, OPTIONS";
}

sub vcl_deliver {
    set resp.http.Access-Control-Allow-Origin = "*";
    set resp.http.Access-Control-Allow-Methods = "GET, HEAD, OPTIONS";
    unset resp.http.Set-Cookie;
}
