"""The resource centre: the searchable library of local-government knowledge products."""
