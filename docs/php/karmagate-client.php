<?php

declare(strict_types=1);

/**
 * A small client for karmagate's REST API (/api/v1), for PHP 8.1+ with the curl extension.
 *
 *   $kg = new KarmagateClient('https://karma.example.com', getenv('KARMAGATE_API_KEY'));
 *   $kg->pushKarma(['externalId' => 'u-42'], 10, 'answer accepted', 'answer-991-accepted');
 *
 * Every call is safe to retry, and the client retries for you: 429 (after Retry-After), 5xx and
 * network errors, with exponential backoff. A karma event is retried with the same
 * idempotency key, so it is applied once however many times it is sent.
 */

/** An error answered by karmagate: `{"error": {"code", "message", "field"?, "index"?}}`. */
final class KarmagateError extends RuntimeException
{
    public function __construct(
        /** HTTP status (0 when no answer came back). */
        public readonly int $status,
        /** Stable code: invalid, member_not_found, idempotency_conflict, rate_limited … */
        public readonly string $errorCode,
        string $message,
        /** The field at fault, e.g. "events[3].delta". */
        public readonly ?string $field = null,
        /** In a batch, the position of the refused event. */
        public readonly ?int $index = null,
    ) {
        parent::__construct($message, $status);
    }
}

final class KarmagateClient
{
    /**
     * @param string $baseUrl      karmagate's PUBLIC_URL, e.g. https://karma.example.com
     * @param string $apiKey       kg_… from the admin site or `karmagate api-key:create NAME`
     * @param int    $maxAttempts  attempts per call, the first included
     * @param int    $timeout      seconds per attempt
     */
    public function __construct(
        private readonly string $baseUrl,
        private readonly string $apiKey,
        private readonly int $maxAttempts = 5,
        private readonly int $timeout = 10,
    ) {
    }

    /**
     * Adds (or, with a negative delta, removes) karma. $member is ['telegramId' => 123] or
     * ['externalId' => 'u-42']. Returns ['event' => [...], 'member' => ['telegramId', 'externalId', 'karma']].
     */
    public function pushKarma(array $member, int $delta, string $reason, string $idempotencyKey): array
    {
        return $this->request('POST', '/karma-events', [
            'member' => $member,
            'delta' => $delta,
            'reason' => $reason,
            'idempotencyKey' => $idempotencyKey,
        ]);
    }

    /**
     * Up to 1,000 events at once, all or nothing. Each event is an array with member, delta,
     * reason and idempotencyKey. Returns the results in order.
     */
    public function pushKarmaBatch(array $events): array
    {
        return $this->request('POST', '/karma-events', ['events' => array_values($events)])['results'];
    }

    /** The member with this Telegram id, or null. */
    public function memberByTelegramId(int $telegramId): ?array
    {
        return $this->orNull(fn () => $this->request('GET', '/members/' . $telegramId));
    }

    /** The member with this id of your site, or null. */
    public function memberByExternalId(string $externalId): ?array
    {
        return $this->orNull(fn () => $this->request('GET', '/members/external/' . rawurlencode($externalId)));
    }

    /** Replaces the groups of the member with this id of your site (created if new); returns the member. */
    public function setGroupsByExternalId(string $externalId, array $slugs): array
    {
        return $this->request('PUT', '/members/external/' . rawurlencode($externalId) . '/groups', ['groups' => array_values($slugs)]);
    }

    /** Replaces the groups of the member with this Telegram id; returns the member. */
    public function setGroupsByTelegramId(int $telegramId, array $slugs): array
    {
        return $this->request('PUT', '/members/' . $telegramId . '/groups', ['groups' => array_values($slugs)]);
    }

    /**
     * A URL (valid 10 minutes) to send your logged-in user to, so they link their Telegram
     * account to $externalId. Returns ['url' => ..., 'expiresAt' => ...].
     */
    public function linkUrl(string $externalId, ?string $returnTo = null): array
    {
        $body = ['externalId' => $externalId];
        if ($returnTo !== null) {
            $body['returnTo'] = $returnTo;
        }
        return $this->request('POST', '/link-tokens', $body);
    }

    private function orNull(callable $call): ?array
    {
        try {
            return $call();
        } catch (KarmagateError $e) {
            if ($e->errorCode === 'member_not_found') {
                return null;
            }
            throw $e;
        }
    }

    /** One call, retried on 429, 5xx and network errors; the same body every time. */
    private function request(string $method, string $path, ?array $body = null): array
    {
        $json = $body === null ? null : json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        for ($attempt = 1; ; $attempt++) {
            [$status, $headers, $raw, $networkError] = $this->send($method, $path, $json);
            $retryable = $networkError !== null || $status === 429 || $status >= 500;
            if (!$retryable || $attempt >= $this->maxAttempts) {
                break;
            }
            // Retry-After when the server gives it; else 0.5 s, 1 s, 2 s … with jitter, at most 30 s.
            $wait = isset($headers['retry-after']) ? (float) $headers['retry-after'] : min(30.0, 0.5 * 2 ** ($attempt - 1));
            usleep((int) (($wait + mt_rand(0, 250) / 1000) * 1_000_000));
        }
        if ($networkError !== null) {
            throw new KarmagateError(0, 'network', $networkError);
        }
        $data = $raw === '' ? [] : json_decode($raw, true, 512, JSON_THROW_ON_ERROR);
        if ($status >= 400) {
            $error = $data['error'] ?? ['code' => 'http_' . $status, 'message' => "HTTP $status"];
            throw new KarmagateError($status, $error['code'], $error['message'], $error['field'] ?? null, $error['index'] ?? null);
        }
        return $data;
    }

    /** @return array{int, array<string, string>, string, ?string} status, headers, body, network error */
    private function send(string $method, string $path, ?string $json): array
    {
        $headers = [];
        $curl = curl_init(rtrim($this->baseUrl, '/') . '/api/v1' . $path);
        curl_setopt_array($curl, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT => $this->timeout,
            CURLOPT_HTTPHEADER => array_merge(
                ['Authorization: Bearer ' . $this->apiKey, 'Accept: application/json'],
                $json === null ? [] : ['Content-Type: application/json'],
            ),
            CURLOPT_HEADERFUNCTION => function ($curl, string $line) use (&$headers): int {
                $parts = explode(':', $line, 2);
                if (count($parts) === 2) {
                    $headers[strtolower(trim($parts[0]))] = trim($parts[1]);
                }
                return strlen($line);
            },
        ]);
        if ($json !== null) {
            curl_setopt($curl, CURLOPT_POSTFIELDS, $json);
        }
        $raw = curl_exec($curl);
        $error = $raw === false ? curl_error($curl) : null;
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        curl_close($curl);
        return [$status, $headers, $raw === false ? '' : $raw, $error];
    }
}
