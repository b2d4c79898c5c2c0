from rest_framework import authentication, exceptions

from accounts.services import user_for_api_token


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>``; tokens are stored hashed (accounts.ApiToken)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid bearer token header.")
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("Invalid bearer token.") from error
        user = user_for_api_token(raw)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        return (user, None)

    def authenticate_header(self, request) -> str:
        return self.keyword
